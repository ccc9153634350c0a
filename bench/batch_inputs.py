"""Regenerate `bench/data/batch/`: six short renders that vary the committed sample's walk (speed, camera, clothing)
and `manifest.csv`, the `sam4d batch` manifest over them (used by `nbs_tests/batch_ray.ipynb`, `bench/batch.py` and
the README's batch example). Motion, cameras and rendering are `sam4d.synthetic` / `sam4d.sample`'s own functions.

    .venv-sam3d/bin/python bench/batch_inputs.py [--frames 16]

Each input is a data root entry: `videos/NAME.mp4` + `NAME.json` (prompt, recipe) and `input_images/NAME.png`.
No ground truth is kept (the batch does not use it; the sample's truth is in data/sample/)."""
import argparse, csv
from pathlib import Path
from sam4d.body import load_body
from sam4d.sample import PALETTES, SAMPLE, render_people, sample_sequence, write_clip
from sam4d.synthetic import camera_path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'bench'/'data'/'batch'
# name -> (changes to the sample's recipe, camera path, clothing palette index, what the prompt says)
VARIANTS = {
    'walk':       (dict(), 'static', 0, 'A man in a red t-shirt and blue jeans walks across a tiled room; steady camera.'),
    'walk_slow':  (dict(speed=0.8), 'static', 0, 'A man in a red t-shirt and blue jeans walks slowly across a tiled room; steady camera.'),
    'walk_fast':  (dict(speed=1.8), 'static', 0, 'A man in a red t-shirt and blue jeans walks briskly across a tiled room; steady camera.'),
    'walk_front': (dict(azimuth=-0.35, elevation=0.2), 'static', 0, 'A man in a red t-shirt walks across a tiled room, seen from the front and above.'),
    'walk_pan':   (dict(), 'pan', 0, 'A man in a red t-shirt and blue jeans walks across a tiled room; the camera pans to follow him.'),
    'walk_green': (dict(), 'static', 1, 'A man in a green t-shirt and beige trousers walks across a tiled room; steady camera.'),
}
STAGE_PARAMS = {'06_refine.iters': 30}          # short refinement: the batch is about scheduling, not refinement quality

def render_variant(name, body, frames: int):
    "The frames (T,H,W,3) and the recipe of one variant."
    change, path, palette, prompt = VARIANTS[name]
    recipe = {**SAMPLE, **change, 'name': name, 'duration': frames / SAMPLE['fps'], 'prompt': prompt}
    seq = sample_sequence(recipe, body)
    cam = camera_path(seq.keypoints3d, path, fps=recipe['fps'], seed=recipe['seed'], width=recipe['width'], height=recipe['height'],
                      azimuth=recipe['azimuth'], elevation=recipe['elevation'], focal=recipe['focal'])
    pal = PALETTES[palette:] + PALETTES[:palette]
    return render_people([seq], cam, palettes=pal, progress=False), dict(recipe, camera_path=path, palette=palette)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--frames', type=int, default=16)
    a = ap.parse_args()
    body = load_body()
    for name in VARIANTS:
        frames, recipe = render_variant(name, body, a.frames)
        write_clip(OUT, name, frames, recipe['fps'], prompt=recipe.pop('prompt'), seed=recipe['seed'], recipe=recipe,
                   model='synthetic: a variation of the sample (bench/batch_inputs.py)')
        print(name, frames.shape)
    with open(OUT/'manifest.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['name', 'video', 'prompt', *STAGE_PARAMS])
        for name, (_, _, _, prompt) in VARIANTS.items(): w.writerow([name, f'videos/{name}.mp4', prompt, *STAGE_PARAMS.values()])
    print(f'wrote {OUT}/manifest.csv')

if __name__ == '__main__': main()
