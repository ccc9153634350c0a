"""Benchmark: the differentiable renderer (sam4d.render.MeshRenderer), frames per second at 320x512 for a
13.7k-vertex mesh, forward and forward+backward, one batched call of --frames frames.

Needs only torch + numpy (run from the repo root with PYTHONPATH=.). The mesh is `blob_mesh`: a closed bumpy
blob of 13,722 vertices / 27,440 faces (the size of the Anny body), 1.7 m tall, turning over the frames, seen
from 3.2 m so that it fills most of the frame's height, over a random background. Forward runs under no_grad;
forward+backward renders with vertices requiring grad and back-propagates a weighted sum of image and alpha.
Writes bench/results/renderer_cpu.json or renderer_gpu.json (one file per device, each from one run): `fps_fwd`,
`fps_fwd_bwd` plus details.

    PYTHONPATH=. python3 bench/renderer.py --device cpu
    PYTHONPATH=. python3 bench/renderer.py --device cuda
"""
import argparse, datetime, json, os, platform, statistics, sys, time
from pathlib import Path
import torch
from sam4d.render import MeshRenderer
from sam4d.testing.toys import blob_mesh
from sam4d.core import look_at_camera

def timed(fn, iters, device):
    "Seconds per call of `fn`: (fastest, median) over `iters` calls, each synchronised with the device."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    ts = []
    for _ in range(iters):
        sync(); t = time.perf_counter(); fn(); sync()
        ts.append(time.perf_counter() - t)
    return min(ts), statistics.median(ts)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', choices=['cpu', 'cuda'])
    ap.add_argument('--frames', type=int, default=33)
    ap.add_argument('--height', type=int, default=320)
    ap.add_argument('--width', type=int, default=512)
    ap.add_argument('--iters', type=int, default=None, help='timed calls (default: 20 on cuda, 5 on cpu)')
    ap.add_argument('--cull-backfaces', action='store_true', help='also time with back-face culling (closed meshes)')
    ap.add_argument('--threads', type=int, default=None, help='CPU threads for torch (default: torch\'s choice)')
    ap.add_argument('--out', default=None, help='default: bench/results/renderer_<cpu|gpu>.json')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    iters = a.iters or (20 if dev.type == 'cuda' else 5)
    B, H, W = a.frames, a.height, a.width
    verts, faces = blob_mesh(B)
    cam = look_at_camera(eye=(0, 0.85, 3.2), target=(0, 0.85, 0), T=B, focal_px=480 * H / 320, width=W, height=H)
    verts = verts.to(dev)
    K, R, t = (torch.as_tensor(x, device=dev) for x in (cam.K, cam.R, cam.t))
    g = torch.Generator(device='cpu').manual_seed(0)
    bg = torch.rand(H, W, 3, generator=g).to(dev)
    wimg = torch.rand(B, H, W, 3, generator=g).to(dev)

    def run(r):
        def fwd():
            with torch.no_grad(): return r(verts, K, R, t, background=bg)
        def fwd_bwd():
            v = verts.detach().requires_grad_()
            o = r(v, K, R, t, background=bg)
            ((o['image'] * wimg).sum() + o['alpha'].sum()).backward()
            return v.grad
        for _ in range(3 if dev.type == 'cuda' else 1): fwd(); fwd_bwd()   # warm-up (allocator, kernels)
        if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats()
        s_fwd, s_bwd = timed(fwd, iters, dev), timed(fwd_bwd, iters, dev)
        peak = torch.cuda.max_memory_allocated() / 2 ** 30 if dev.type == 'cuda' else None
        return s_fwd, s_bwd, peak

    r = MeshRenderer(faces, W, H).to(dev)
    cover = (r(verts[:1], K, R[:1], t[:1])['alpha'] > 0).float().mean().item()
    s_fwd, s_bwd, peak = run(r)
    p = 'gpu' if dev.type == 'cuda' else 'cpu'
    m = {f'{p}_fps_fwd': round(B / s_fwd[0], 1), f'{p}_fps_fwd_bwd': round(B / s_bwd[0], 1),
         f'{p}_ms_fwd_{B}frames': round(1e3 * s_fwd[0], 2), f'{p}_ms_fwd_bwd_{B}frames': round(1e3 * s_bwd[0], 2),
         f'{p}_ms_fwd_{B}frames_median': round(1e3 * s_fwd[1], 2), f'{p}_ms_fwd_bwd_{B}frames_median': round(1e3 * s_bwd[1], 2)}
    if peak is not None: m[f'{p}_peak_gib_fwd_bwd'] = round(peak, 3)
    if a.cull_backfaces:
        c_fwd, c_bwd, _ = run(MeshRenderer(faces, W, H, cull_backfaces=True).to(dev))
        m.update({f'{p}_fps_fwd_culled': round(B / c_fwd[0], 1), f'{p}_fps_fwd_bwd_culled': round(B / c_bwd[0], 1)})
    out = Path(a.out or f'bench/results/renderer_{p}.json')
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads'
    m = {k.removeprefix(p + '_'): v for k, v in m.items()}
    setup = dict(torch=torch.__version__, frames=B, height=H, width=W, iters=iters, vertices=verts.shape[1], faces=len(faces),
                 coverage=round(cover, 4), load_avg_1min=round(os.getloadavg()[0], 2))
    res = dict(name=f'renderer_{p}', date=datetime.date.today().isoformat(), machine=f'{platform.node()}: {name}',
               command='PYTHONPATH=. python3 bench/renderer.py ' + ' '.join(sys.argv[1:]), metrics=m, setup=setup,
               notes='one batched call of `frames` frames at height x width; fwd under no_grad, fwd_bwd back-propagates '
                     'sum(image*w)+sum(alpha) to the vertices; fps = frames / fastest call (medians kept as *_median)')
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + '.tmp'); tmp.write_text(json.dumps(res, indent=1)); os.replace(tmp, out)
    print(json.dumps(m, indent=1))

if __name__ == '__main__': main()
