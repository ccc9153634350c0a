"""The README's picture of a result: frames of a run's video with the refined body drawn over them (top) and the 4D
mesh seen from the side, as the player shows it (bottom). Run after `make demo`:

    .venv-sam3d/bin/python tools/readme_figure.py [--data-root data] [--name walk] [--out docs/images/result.png]
"""
import argparse
from pathlib import Path
import numpy as np
import torch
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from sam4d.core import DataLayout, Sequence4D, look_at_camera
from sam4d.frames import load_frames
from sam4d.render import MeshRenderer
from sam4d.viz.overlay import overlay_frames

def side_views(seq: Sequence4D, frames, width=320, height=320) -> np.ndarray:
    "The mesh at `frames`, shaded, from a camera that keeps beside the body's centre (as the player's follow view)."
    cams = []
    for t in frames:
        centre = seq.vertices[t].mean(0).astype(np.float64)
        cams.append(look_at_camera(centre + np.array([2.6, 0.5, 1.3]), centre, 1, 1.1 * width, width, height))
    R, tr = np.concatenate([c.R for c in cams]), np.concatenate([c.t for c in cams])
    ren = MeshRenderer(seq.faces, width, height, color=(0.75, 0.55, 0.40))
    with torch.no_grad():
        img = ren(torch.from_numpy(seq.vertices[frames]), cams[0].K, R, tr, background=torch.full((height, width, 3), 0.93))['image']
    return (img.clamp(0, 1).numpy() * 255).astype(np.uint8)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data-root', default=None); ap.add_argument('--name', default='walk')
    ap.add_argument('--out', default='docs/images/result.png'); ap.add_argument('--n', type=int, default=4)
    a = ap.parse_args()
    L = DataLayout(Path(a.data_root)) if a.data_root else DataLayout()
    src = L.sam4d_sds(a.name) if (L.sam4d_sds(a.name)/'meta.json').exists() else L.sam4d(a.name)
    seq = Sequence4D.load(src)
    _, frames = load_frames(L.frames(a.name))
    T = min(seq.T, len(frames))
    pick = np.linspace(0, T - 1, a.n).round().astype(int)
    sub = seq.replace(**_subset(seq, pick))
    over = overlay_frames(sub, np.stack([frames[t] for t in pick]), mesh='shaded')
    side = side_views(seq, pick)
    uv = sub.camera.project(sub.keypoints3d)                       # crop each frame around the person
    H, W = over.shape[1:3]; half = int(0.75 * np.ptp(uv[..., 1], axis=1).max())
    crops = []
    for j in range(len(pick)):
        cx, cy = np.clip(uv[j].mean(0).round().astype(int), [half, half], [W - half, H - half])
        crops.append(over[j, max(cy - half, 0):cy + half, max(cx - half, 0):cx + half])
    over = np.stack([c[:min(x.shape[0] for x in crops), :min(x.shape[1] for x in crops)] for c in crops])
    fig, ax = plt.subplots(2, a.n, figsize=(2.6 * a.n, 5.6), gridspec_kw=dict(height_ratios=[1, 1]))
    for j, t in enumerate(pick):
        ax[0, j].imshow(over[j]); ax[0, j].set_title(f'frame {t}  ({t / seq.fps:.1f} s)', fontsize=9)
        ax[1, j].imshow(side[j])
        for r in (0, 1): ax[r, j].axis('off')
    fig.suptitle(f'{src.parent.name}/{src.name}: {seq.body_model}, {seq.T} frames at {seq.fps:g} fps', fontsize=10)
    plt.tight_layout()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=80); print(a.out)

def _subset(seq: Sequence4D, pick) -> dict:
    "The per-frame fields of `seq` at frames `pick` (for `Sequence4D.replace`)."
    from sam4d.core import Camera
    c = seq.camera
    step = float(np.diff(pick).mean()) if len(pick) > 1 else 1.0      # the picked frames are `step` frames apart
    return dict(keypoints3d=seq.keypoints3d[pick], vertices=seq.vertices[pick], fps=seq.fps / step,
                keypoints2d=None if seq.keypoints2d is None else seq.keypoints2d[pick],
                camera=Camera(c.K, c.R[pick], c.t[pick], c.width, c.height), interpolated=[],
                params={k: v for k, v in seq.params.items() if np.ndim(v) == 0 or np.shape(v)[0] != seq.T})

if __name__ == '__main__': main()
