"""Benchmark: the motion refinement (stage 06, physical terms) checked on synthetic ground truth.

Ground truth: `sam4d.synthetic` motions of the Anny body (walk, jog, turn; 100 frames at 25 fps), degraded the way a
per-frame reconstruction degrades: every frame independently gets Gaussian noise on every bone rotation of the body
model (mesh and keypoints stay consistent, as in a per-frame body fit; about 20 mm of pelvis-aligned keypoint error)
plus a per-frame global jitter of the root (translation, 20 mm per axis; orientation, 2 degrees); keypoints2d are the
projection of the degraded keypoints (as the 4D build writes them). The sequences are stored compactly under
bench/data/refine_<motion>_{truth,degraded}.npz (rest mesh + bone transforms + skinning weights, ~1.3 MB each), made
once with `--make-data` in the sam4d-sam3d environment (needs anny); everything else runs on torch + numpy only:

    .venv-sam3d/bin/python bench/refine_gt.py --make-data          # once: the data (Anny)
    .venv-sam3d/bin/python bench/refine_gt.py                      # CPU: quality + s_per_iter_cpu
    PYTHONPATH=. python3 bench/refine_gt.py --device cuda          # GPU: quality + s_per_iter_gpu (merged into the json)

Metrics are `sam4d.metrics.measures` (the evaluation's definitions; foot contact from the truth's labels; penetration of the
lowest mesh vertex). Results: bench/results/refine_gt.json with `jitter_reduction`, `foot_sliding_reduction`
(fractions, worst motion), `penetration_mm_after` (worst), `mpjpe_change` (fraction, worst), `s_per_iter_<device>`
(T=100 frames, 13,718 vertices), and per-motion keys."""
import argparse, datetime, json, os, platform, sys, time
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sam4d.core import Sequence4D, DataLayout
from sam4d.refine.motion import save_skinned, load_skinned
from sam4d.refine.loop import refine, summary_metrics
from sam4d.refine.losses import RefineConfig

DATA = Path(__file__).parent/'data'
MOTIONS = ('walk', 'jog', 'turn')
NOISE = dict(pose_deg=1.0, root_deg=1.0, root_mm=20.0)


def make_data(motion, seed=0, **noise):
    "Synthesize `motion` with Anny, degrade it per frame, save truth and degraded as skinned npz files (needs anny)."
    from scipy.spatial.transform import Rotation
    from sam4d.body import load_body
    from sam4d.synthetic import synthesize
    body = load_body()
    truth = synthesize(motion, body, duration=4.0, seed=seed)
    p = truth.params
    rng = np.random.default_rng(seed + 1)
    pose = p['pose'].astype(np.float64)
    T, B = pose.shape[:2]
    Rp = Rotation.from_rotvec(pose.reshape(-1, 3))
    dR = Rotation.from_rotvec(rng.normal(0, np.deg2rad(noise['pose_deg']), (T * B, 3)))
    noisy = (Rp * dR).as_rotvec().reshape(T, B, 3)
    noisy[:, 0] = (Rotation.from_rotvec(rng.normal(0, np.deg2rad(noise['root_deg']), (T, 3))) * Rotation.from_rotvec(noisy[:, 0])).as_rotvec()
    transl = p['transl'] + rng.normal(0, noise['root_mm'] / 1000, (T, 3))
    shape = torch.as_tensor(p['shape'])[None]
    idx, w = body.skin_weights()
    for tag, (po, tr, seq) in dict(truth=(pose, p['transl'], truth), degraded=(noisy, transl, None)).items():
        with torch.no_grad():
            o = body(shape=shape, pose=torch.as_tensor(po, dtype=torch.float32), transl=torch.as_tensor(tr, dtype=torch.float32))
        if seq is None:
            kp = o['keypoints'].numpy()
            seq = truth.replace(keypoints3d=kp, vertices=o['vertices'].numpy(), keypoints2d=truth.camera.project(kp).astype(np.float32),
                                params=dict(skin_indices=p['skin_indices'], skin_weights=p['skin_weights'], shape=p['shape']),
                                source=dict(stage='bench degradation', truth=truth.source, seed=seed, **noise))
        else:
            assert np.abs(o['vertices'].numpy() - seq.vertices).max() < 1e-4
        save_skinned(DATA/f'refine_{motion}_{tag}.npz', seq, o['rest_vertices'][0].numpy(), o['bone_transforms'].numpy(), idx, w)


def run(motion, cfg, progress):
    "Refine the degraded sequence; metrics against the truth before and after; seconds per step."
    truth, deg = load_skinned(DATA/f'refine_{motion}_truth.npz'), load_skinned(DATA/f'refine_{motion}_degraded.npz')
    res = refine(deg, cfg, gt=truth, progress=progress)
    b, a = summary_metrics(deg, truth), summary_metrics(res.seq, truth)
    # the median step: a shared machine's bursts of load inflate the mean
    return dict(before=b, after=a, s_per_iter=float(np.median([h['seconds'] for h in res.history])),
                s_per_iter_full_run=res.seconds / res.steps, status=res.status, T=deg.T, V=deg.vertices.shape[1])


def similarity_to(src, dst):
    "The one similarity (scale, rotation, translation) that best maps all of src's points (T,N,3) onto dst's, as a function."
    A, B = src.reshape(1, -1, 3).astype(np.float64), dst.reshape(1, -1, 3).astype(np.float64)
    ma, mb = A.mean(1), B.mean(1)
    U, S, Vt = np.linalg.svd((B - mb)[0].T @ (A - ma)[0])
    D = np.diag([1, 1, np.sign(np.linalg.det(U @ Vt))])
    R, c = U @ D @ Vt, (S * np.diag(D)).sum() / ((A - ma) ** 2).sum()
    return lambda X: (c * (np.asarray(X, np.float64) - ma) @ R.T + mb).astype(np.float32)


def run_sample(cfg, progress, name='walk'):
    "The CPU backend's 4D output on the committed sample (data/sam4d/NAME, made by the pipeline) against its ground truth."
    lay = DataLayout()
    src, gtd = lay.sam4d(name), DataLayout.sample().ground_truth(name)
    if not (src/'meta.json').exists() or not (gtd/'meta.json').exists(): return None
    deg, gt = Sequence4D.load(src), Sequence4D.load(gtd)
    res = refine(deg, cfg, gt=None, progress=progress)
    # its world frame is the reconstruction's own (ground plane and scale estimated from the video): jitter, sliding
    # (contact: the truth's labels) and penetration are measured there; MPJPE after one global similarity to the truth
    f = similarity_to(deg.keypoints3d, gt.keypoints3d)
    lab = gt.params['contacts']
    out = {}
    for tag, s in (('before', deg), ('after', res.seq)):
        m = summary_metrics(s, None, lab)
        a = summary_metrics(Sequence4D(f(s.keypoints3d), s.fps, s.joint_names, s.skeleton), gt)
        out[tag] = {**m, 'mpjpe': a['mpjpe'], 'pa_mpjpe': a['pa_mpjpe']}
    return dict(**out, s_per_iter=res.seconds / res.steps, T=deg.T, V=None if deg.vertices is None else deg.vertices.shape[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--iters', type=int, default=None, help='optimizer steps (default: RefineConfig.iters)')
    ap.add_argument('--motions', default=','.join(MOTIONS))
    ap.add_argument('--make-data', action='store_true', help='(re)make bench/data/refine_*.npz with Anny (sam4d-sam3d env)')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'refine_gt.json'))
    ap.add_argument('--progress', action='store_true')
    a = ap.parse_args()
    motions = a.motions.split(',')
    if a.make_data:
        DATA.mkdir(parents=True, exist_ok=True)
        for m in motions: make_data(m, **NOISE); print('made', m)
    cfg = RefineConfig(device=a.device, metrics_every=10 ** 9, checkpoint_every=10 ** 9)
    if a.iters: cfg.iters = a.iters
    dev = 'gpu' if a.device.startswith('cuda') else 'cpu'
    rows = {}
    for m in motions:
        rows[m] = r = run(m, cfg, a.progress)
        b, f = r['before'], r['after']
        print(f"{m}: " + ', '.join(f"{k} {b[k]:.2f} -> {f[k]:.2f}" for k in ('jitter', 'foot_sliding', 'penetration_mean', 'mpjpe', 'pa_mpjpe'))
              + f"; {r['s_per_iter'] * 1e3:.1f} ms/step on {a.device} (median step; mean {r['s_per_iter_full_run'] * 1e3:.1f})")
    sample = run_sample(cfg, a.progress)
    if sample is None: print('no CPU-backend output of the sample here (data/sam4d/walk from the pipeline): skipped')
    else:
        b, f = sample['before'], sample['after']
        print("sample (CPU backend): " + ', '.join(f"{k} {b[k]:.2f} -> {f[k]:.2f}" for k in ('jitter', 'foot_sliding', 'penetration_mean', 'mpjpe', 'pa_mpjpe')))
    red = lambda r, k: 1 - r['after'][k] / r['before'][k]
    metrics = {}
    for m, r in rows.items():
        metrics.update({f'{m}_jitter_reduction': red(r, 'jitter'), f'{m}_foot_sliding_reduction': red(r, 'foot_sliding'),
                        f'{m}_penetration_mm_before': r['before']['penetration_mean'], f'{m}_penetration_mm_after': r['after']['penetration_mean'],
                        f'{m}_mpjpe_before': r['before']['mpjpe'], f'{m}_mpjpe_after': r['after']['mpjpe'],
                        f'{m}_mpjpe_change': -red(r, 'mpjpe'), f'{m}_pa_mpjpe_change': -red(r, 'pa_mpjpe')})
    metrics.update(jitter_reduction=min(red(r, 'jitter') for r in rows.values()),
                   foot_sliding_reduction=min(red(r, 'foot_sliding') for r in rows.values()),
                   penetration_mm_after=max(r['after']['penetration_mean'] for r in rows.values()),
                   mpjpe_change=max(-red(r, 'mpjpe') for r in rows.values()))
    if sample is not None:
        metrics.update({f'sample_cpu_backend_{k}': v for k, v in dict(
            jitter_reduction=red(sample, 'jitter'), foot_sliding_reduction=red(sample, 'foot_sliding'),
            penetration_mm_before=sample['before']['penetration_mean'], penetration_mm_after=sample['after']['penetration_mean'],
            mpjpe_before=sample['before']['mpjpe'], mpjpe_after=sample['after']['mpjpe'], mpjpe_change=-red(sample, 'mpjpe'),
            pa_mpjpe_change=-red(sample, 'pa_mpjpe')).items()})
    metrics[f's_per_iter_{dev}'] = float(np.median([r['s_per_iter'] for r in rows.values()]))
    metrics[f's_per_iter_{dev}_full_run'] = float(np.median([r['s_per_iter_full_run'] for r in rows.values()]))
    metrics = {k: round(float(v), 5) for k, v in metrics.items()}
    out = Path(a.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    keep = {k: v for k, v in old.get('metrics', {}).items()      # the other device's timings; the sample's numbers if not re-measured
            if (k.startswith('s_per_iter_') and not k.startswith(f's_per_iter_{dev}')) or (sample is None and k.startswith('sample_cpu_backend_'))}
    machine = (f"{platform.node()}: {torch.cuda.get_device_name()}" if dev == 'gpu' else
               f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads, load {os.getloadavg()[0]:.1f}")
    res = dict(name='refine_gt', date=datetime.date.today().isoformat(),
               machine={**old.get('machine_by_device', {}), dev: machine} if isinstance(old.get('machine_by_device'), dict) else {dev: machine},
               command=' '.join(['python', 'bench/refine_gt.py'] + sys.argv[1:]),
               metrics={**keep, **metrics},
               notes=(f"motions {motions}, T={rows[motions[0]]['T']} frames at 25 fps, V={rows[motions[0]]['V']}; degradation {NOISE} "
                      f"(per-frame Gaussian on every Anny bone rotation, root orientation and translation); config: RefineConfig defaults "
                      f"(iters={cfg.iters}); headline keys are the worst motion; metrics by sam4d.metrics.measures (contact from the truth's labels, "
                      "penetration of the lowest vertex, MPJPE pelvis-aligned); s_per_iter = wall time of one step (forward, all terms, "
                      "backward, Adam): the median step of each run, median over motions; _full_run: the runs' mean step. "
                      + ("sample_cpu_backend_*: the pipeline's CPU-backend 4D output of the committed sample (data/sam4d/walk, "
                         "T=75) against data/sample/ground_truth/walk; jitter/sliding/penetration in the reconstruction's own world "
                         "(contact: the truth's labels), MPJPE after one global similarity (fit on the input) to the truth"
                         if sample is not None else "the sample's CPU-backend output was not present in this run" +
                         (" (sample_cpu_backend_* kept from the earlier run)" if any(k.startswith('sample_') for k in keep) else ""))))
    res['machine_by_device'] = res.pop('machine')
    res['machine'] = '; '.join(f'{k}: {v}' for k, v in res['machine_by_device'].items())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    print(json.dumps({k: metrics[k] for k in ('jitter_reduction', 'foot_sliding_reduction', 'penetration_mm_after', 'mpjpe_change', f's_per_iter_{dev}')}))


if __name__ == '__main__':
    main()
