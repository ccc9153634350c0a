"""Benchmark: frame extraction with sam4d against the ffmpeg binary that imageio-ffmpeg ships, same video, one run.

Both write every frame as a JPEG at similar quality (Pillow quality 95 vs ffmpeg -q:v 2). Writes
bench/results/frames.json with `ratio_vs_ffmpeg` = sam4d seconds / ffmpeg seconds (goal: <= 1.2)."""
import argparse, datetime, json, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import imageio_ffmpeg
from sam4d.media import write_mp4
from sam4d.frames import extract_frames

def make_video(path, T, H, W, fps=25):
    "A textured moving scene (noise + gradients) so decoding and JPEG encoding do realistic work."
    rng = np.random.default_rng(0)
    tex = rng.integers(0, 255, (H, 2 * W, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:H, :W]
    frames = np.empty((T, H, W, 3), np.uint8)
    for t in range(T):
        sl = tex[:, 4 * t % W: 4 * t % W + W].astype(np.int16)
        frames[t] = np.clip(sl // 2 + ((xx + 3 * t) % 256)[..., None] // 2, 0, 255)
    return write_mp4(path, frames, fps)

def best_of(fn, n):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', type=int, default=150)
    ap.add_argument('--size', default='720x1280')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'frames.json'))
    a = ap.parse_args()
    H, W = (int(x) for x in a.size.split('x'))
    d = Path(tempfile.mkdtemp())
    v = make_video(d/'bench.mp4', a.frames, H, W)
    ff = imageio_ffmpeg.get_ffmpeg_exe()
    def run_ffmpeg():
        o = d/'ff'; shutil.rmtree(o, ignore_errors=True); o.mkdir()
        subprocess.run([ff, '-v', 'error', '-i', str(v), '-q:v', '2', str(o/'%06d.jpg')], check=True)
    def run_sam4d():
        extract_frames(v, d/'s4', progress=False)
    run_ffmpeg(); run_sam4d()   # warm the page cache and the libraries
    t_ff, t_s4 = [], []
    for _ in range(a.repeats):   # interleaved so drift in machine load hits both alike
        t_ff.append(best_of(run_ffmpeg, 1)); t_s4.append(best_of(run_sam4d, 1))
    n_ff, n_s4 = len(list((d/'ff').glob('*.jpg'))), len(list((d/'s4').glob('*.jpg')))
    assert n_ff == n_s4 == a.frames, (n_ff, n_s4)
    res = dict(name='frames', date=datetime.date.today().isoformat(),
               machine=f'{platform.node()} {platform.processor() or platform.machine()}, {__import__("os").cpu_count()} cores',
               command=' '.join(['python', 'bench/frames.py'] + sys.argv[1:]),
               metrics=dict(ratio_vs_ffmpeg=round(min(t_s4) / min(t_ff), 3), sam4d_s=round(min(t_s4), 3),
                            ffmpeg_s=round(min(t_ff), 3), frames=a.frames, fps_sam4d=round(a.frames / min(t_s4), 1)),
               notes=f'{a.frames} frames {W}x{H} H.264 -> JPEG; best of {a.repeats} interleaved runs each; '
                     'sam4d: PyAV threaded decode + Pillow JPEG q95 in a thread pool; ffmpeg: `ffmpeg -i V -q:v 2 %06d.jpg`')
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res['metrics']))
    shutil.rmtree(d)

if __name__ == '__main__': main()
