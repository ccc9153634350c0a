"""Train the learned video prior of issue 17 (sam4d.refine.flow_prior): a small flow-matching 3D U-Net on rendered windows of real motions.

The data are the windows bench/sds_prior.py gives its empirical prior (sam4d.refine.empirical: tube bodies, one colour per
bone, a following camera, random phase, speed, view and mirroring, 9 frames at 12.5 fps, 48x32), drawn from the manifest's
motion-capture clips but never from the seconds sds_prior tests (nor a 0.5 s margin around them), only many more of them
(--windows). The network trains on the lent GPU for a time budget; the moving average of its weights is written (float16)
to bench/data/flow_prior.pt with how it was trained, and the loss history to bench/results/flow_prior_train.json.

The GPU machine has no ../shared/mocap: write the clips' joints here first and carry the file there:

    .venv-sam3d/bin/python bench/train_flow_prior.py --write-motions build/flow_prior/motions.npz      # here (reads ../shared/mocap)
    PYTHONPATH=. python3 bench/train_flow_prior.py --motions build/flow_prior/motions.npz --device cuda \\
        --out $OUT/flow_prior.pt --log $OUT/flow_prior_train.json                                    # on the GPU machine
    .venv-sam3d/bin/python bench/train_flow_prior.py --quick                                          # a small CPU check (not a model)
"""
import argparse, datetime, json, os, platform, sys, time
from multiprocessing import get_context
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.refine.empirical import WindowSpec, render_windows, sample_windows
from sam4d.refine.flow_prior import FlowNetConfig, VideoFlowNet, save_flow_prior, train_flow_net


def write_motions(path, seconds=2.0):
    "The manifest's clips as joints (T,16,3) at 25 fps, with the seconds sds_prior tests (excluded from training), into an npz."
    sys.path.insert(0, str(ROOT/'bench'))
    import sds_prior
    motions = sds_prior.collection(25.0)
    exclude = {c: (s, s + seconds) for c, s in sds_prior.TESTS}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **{k: v[0].astype(np.float32) for k, v in motions.items()},
                        meta=np.array(json.dumps(dict(fps=25.0, joints=sds_prior.JOINTS, skeleton=sds_prior.SKELETON, exclude=exclude))))
    print(f'{len(motions)} clips, {sum(len(v[0]) for v in motions.values()) / 25:.0f} s of motion -> {path}')


def read_motions(path):
    "({clip: (X, fps)}, joints, skeleton, exclude) from a file written by write_motions."
    z = np.load(path)
    meta = json.loads(str(z['meta']))
    return ({k: (z[k], meta['fps']) for k in z.files if k != 'meta'}, meta['joints'], [tuple(e) for e in meta['skeleton']],
            {k: tuple(v) for k, v in meta['exclude'].items()})


def _render_chunk(job):
    "Render one chunk of windows on one CPU thread (a worker of the pool)."
    torch.set_num_threads(1)
    windows, joints, skeleton, h, w = job
    return render_windows(windows, joints, skeleton, h, w)


def make_data(motions, joints, skeleton, exclude, n, spec, h, w, seed, workers):
    "n rendered windows (n,F,H,W,3) float16, drawn as sds_prior draws them (the excluded seconds never), rendered by a pool."
    ws = sample_windows(motions, joints, n, spec, np.random.default_rng(seed), exclude=exclude)
    chunks = [(ws[i:i + 256], joints, skeleton, h, w) for i in range(0, n, 256)]
    from tqdm.auto import tqdm
    with get_context('spawn').Pool(workers) as pool:
        return torch.cat(list(tqdm(pool.imap(_render_chunk, chunks), total=len(chunks), desc='render windows')))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--write-motions', help='write the manifest clips to this npz and stop')
    p.add_argument('--motions', help='npz of write_motions (default: read the manifest now)')
    p.add_argument('--windows', type=int, default=30000)
    p.add_argument('--steps', type=int, default=20000)
    p.add_argument('--minutes', type=float, default=6.0, help='training time budget')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--channels', default='32,64,128')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    p.add_argument('--out', default=str(ROOT/'bench'/'data'/'flow_prior.pt'))
    p.add_argument('--log', default=str(ROOT/'bench'/'results'/'flow_prior_train.json'))
    p.add_argument('--quick', action='store_true', help='tiny sizes on the CPU: checks that the script runs (writes to /tmp)')
    a = p.parse_args(argv)
    if a.write_motions: return write_motions(a.write_motions) or 0
    if a.quick: a.windows, a.steps, a.minutes, a.batch, a.channels, a.out, a.log = 256, 20, 1.0, 8, '8,16,32', '/tmp/flow_prior_quick.pt', '/tmp/flow_prior_quick.json'
    if a.motions: motions, joints, skeleton, exclude = read_motions(a.motions)
    else:
        tmp = Path('/tmp/flow_prior_motions.npz'); write_motions(tmp); motions, joints, skeleton, exclude = read_motions(tmp)
    cfg = FlowNetConfig(channels=tuple(int(c) for c in a.channels.split(',')))
    spec = WindowSpec(frames=cfg.frames, fps=cfg.fps)
    t0 = time.perf_counter()
    data = make_data(motions, joints, skeleton, exclude, a.windows, spec, cfg.height, cfg.width, 0, a.workers)
    held = make_data(motions, joints, skeleton, exclude, 512, spec, cfg.height, cfg.width, 1, a.workers)
    t_data = time.perf_counter() - t0
    dev = torch.device(a.device)
    torch.manual_seed(0)
    net = VideoFlowNet(cfg).to(dev)
    data = data.to(dev)
    t1 = time.perf_counter()
    avg, history = train_flow_net(net, data, a.steps, a.batch, a.lr, time_budget_s=a.minutes * 60, amp=dev.type == 'cuda')
    t_train = time.perf_counter() - t1
    g = torch.Generator().manual_seed(1)
    x0 = 2 * held.float() - 1
    s = torch.rand(len(x0), generator=g) * 0.96 + 0.02
    eps = torch.randn(x0.shape, generator=g)
    sb = s[:, None, None, None, None]
    with torch.no_grad():
        losses = {name: float(torch.cat([((m(((1 - sb) * x0 + sb * eps)[i:i + 64].to(dev), s[i:i + 64].to(dev)).float().cpu()
                                           - (eps - x0)[i:i + 64]) ** 2).mean((1, 2, 3, 4)) for i in range(0, len(x0), 64)]).mean())
                  for name, m in (('trained', avg), ('untrained', VideoFlowNet(cfg).to(dev)))}
    steps = history[-1]['step'] + 1
    meta = dict(windows=a.windows, steps=steps, batch=a.batch, lr=a.lr, exclude=exclude, clips=sorted(motions),
                spec=dict(frames=spec.frames, fps=spec.fps, speed=spec.speed, elevation=spec.elevation, distance=spec.distance,
                          mirror=spec.mirror, margin_s=spec.margin_s))
    save_flow_prior(avg, a.out, **meta)
    dev_name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'{platform.machine()}, {os.cpu_count()} cores'
    res = dict(name='flow_prior_train', date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               machine=f'{dev_name}, torch {torch.__version__}', command='bench/train_flow_prior.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
               metrics=dict(held_out_flow_loss=losses['trained'], held_out_flow_loss_untrained=losses['untrained'], steps=steps,
                            steps_per_s=steps / t_train, train_s=t_train, data_s=t_data, windows=a.windows,
                            parameters=sum(q.numel() for q in avg.parameters())),
               notes=('QUICK CHECK, not a model. ' if a.quick else '') + 'flow-matching loss (mean squared velocity error, videos in '
                     '[-1,1]) on 512 held-out windows of the same distribution (another seed), noise levels uniform in [0.02, 0.98], '
                     'fixed noise; of the moving-average weights written, and of an untrained network of the same size',
               meta=meta, history=history)
    Path(a.log).parent.mkdir(parents=True, exist_ok=True)
    Path(a.log).write_text(json.dumps(res, indent=1))
    print(json.dumps(res['metrics'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
