"""Where does Video-SDS push a structured error, in the rendered video itself? (issue 17: why physics + SDS does not beat physics)

For the cases of bench/sds_prior.py (two CMU test clips x leg swap / freeze / wrong swing phase, tube body, following
camera) and each prior (the empirical one of 2000 windows and the learned flow prior of bench/data/flow_prior.pt), over
the windows (at the prior's rate) that touch a corrupted frame, rendered as the SDS term renders them:

- cos_to_truth: the cosine between the descent direction of the SDS gradient (averaged over 16 draws of noise and noise
  level, s ~ U[0.02, 0.5], DreamFusion weighting) at the rendered input and the way from the input to the rendered truth;
- pixel_sds_distance_ratio: SDS run on the pixels themselves (no renderer, no motion, no physical terms: Adam, lr 0.01,
  30 steps of 2 draws from the rendered input): the distance to the rendered truth after, over before (< 1: nearer).

At most 4 windows per case, evenly spread (the learned prior costs ~0.3 s a draw on 2 CPU cores).

If the prior's own pixel-space SDS does not bring the video nearer the truth, no choice of renderer, balance or
optimiser can make the motion follow it there. Writes bench/results/sds_direction.{json,md}.

    .venv-sam3d/bin/python bench/sds_direction.py [--cache /tmp/h17/cache]
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
import sds_prior as S
from sam4d.metrics.errors import corrupt
from sam4d.refine.empirical import WindowSpec, empirical_prior, render_windows, sample_windows
from sam4d.refine.flow_prior import load_flow_prior
from sam4d.refine.sds import sds_gradient


def descent(prior, x, n, rng_seed):
    "The SDS gradient at latents x (1,...) averaged over n draws of noise and level s ~ U[0.02, 0.5]."
    g = torch.Generator().manual_seed(rng_seed)
    s = 0.02 + 0.48 * torch.rand(n, generator=g)
    return sds_gradient(prior, x.expand(n, *x.shape[1:]), s, torch.randn(n, *x.shape[1:], generator=g), weighting='sds').mean(0, keepdim=True)


def windows_of(term, err, gt):
    "Window positions (at the prior's rate) that touch a corrupted frame."
    bad = np.flatnonzero(np.abs(err.keypoints3d - gt.keypoints3d).max((1, 2)) > 1e-6)
    base = term.frames_at(err.T, err.fps) - term.frames_at(err.T, err.fps)[0]
    return [base + off for off in range(0, err.T, 2)
            if base[-1] + off <= err.T - 1 and ((bad >= off + base[0] - 1) & (bad <= off + base[-1] + 1)).any()]


@torch.no_grad()
def case(prior, term, err, gt, steps=30, most=4):
    "cos_to_truth and pixel_sds_distance_ratio per window (at most `most`, evenly spread)."
    out, ws = [], windows_of(term, err, gt)
    for i, pos in enumerate([ws[j] for j in np.unique(np.linspace(0, len(ws) - 1, most).round().astype(int))]):
        xt, xe = (prior.encode(term.render(torch.as_tensor(s.vertices, dtype=torch.float32), pos)) for s in (gt, err))
        d, g = xt - xe, descent(prior, xe, 16, i)
        x = xe.clone().requires_grad_(True)
        opt = torch.optim.Adam([x], lr=0.01)
        for k in range(steps):
            opt.zero_grad(); x.grad = descent(prior, x.detach(), 2, 1000 * i + k); opt.step()
        out.append((float((-g * d).sum() / (g.norm() * d.norm())), float((x.detach() - xt).norm() / d.norm())))
    return np.array(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--cache', help='folder of sds_prior.py\'s rendered windows (reused)')
    p.add_argument('--weights', default=str(ROOT/'bench'/'data'/'flow_prior.pt'))
    p.add_argument('--out', default=str(ROOT/'bench'/'results'/'sds_direction.json'))
    a = p.parse_args(argv)
    torch.manual_seed(0)
    t0, fps = time.perf_counter(), 25.0
    motions = S.collection(fps)
    flow = load_flow_prior(a.weights)
    F_, H, W = flow.shape[:3]
    spec = WindowSpec(frames=F_, fps=flow.fps)
    tests = [c for c, _ in S.TESTS]
    key = f'sds_prior_2000_{F_}_{flow.fps}_{H}x{W}_segment_2.0_{"-".join(sorted(tests))}.pt'
    cached = Path(a.cache)/key if a.cache else None
    if cached is not None and cached.exists(): videos = torch.load(cached)
    else:
        exclude = {c: (s, s + 2.0) for c, s in S.TESTS}
        videos = render_windows(sample_windows(motions, S.JOINTS, 2000, spec, np.random.default_rng(0), exclude=exclude), S.JOINTS, S.SKELETON, H, W, progress=True)
    priors = dict(empirical=empirical_prior(videos, spec, sigma=0.05), flow=flow)
    args = argparse.Namespace(frames=F_, height=H, width=W, ratio=0.5, s_max_end=0.5)
    rows, metrics = [], {}
    for clip, start in S.TESTS:
        gt, colors = S.test_truth(motions[clip][0][int(start * fps): int((start + 2.0) * fps)], fps, H, W)
        for kind in S.ERRORS:
            err = corrupt(gt, kind, seed=0, **S.ERRORS[kind]).seq
            for name, prior in priors.items():
                r = case(prior, S.sds_term(prior, err, colors, args, 100), err, gt)
                row = dict(clip=clip, error=kind, prior=name, windows=len(r), cos_to_truth=float(np.median(r[:, 0])),
                           pixel_sds_distance_ratio=float(np.median(r[:, 1])))
                rows.append(row)
                print(row, flush=True)
    for name in priors:
        for kind in S.ERRORS:
            rs = [r for r in rows if r['prior'] == name and r['error'] == kind]
            metrics[f'{name}_{kind}_cos_to_truth'] = float(np.median([r['cos_to_truth'] for r in rs]))
            metrics[f'{name}_{kind}_pixel_sds_distance_ratio'] = float(np.median([r['pixel_sds_distance_ratio'] for r in rs]))
    metrics['total_s'] = time.perf_counter() - t0
    res = dict(**S.header('sds_direction', argv), metrics={k: round(v, 4) for k, v in metrics.items()},
               notes='medians over the two test clips of the per-case medians over windows touching a corrupted frame (at most 4, evenly spread); '
                     'cos_to_truth: cosine of the descent direction of the SDS gradient (16 draws, s ~ U[0.02, 0.5], '
                     "weighting 'sds') at the rendered input with the way to the rendered truth (latents); "
                     'pixel_sds_distance_ratio: SDS on the pixels alone (Adam lr 0.01, 30 steps of 2 draws) from the rendered input: '
                     'distance to the rendered truth after over before; empirical: 2000 windows, sigma 0.05; flow: ' + a.weights,
               rows=rows)
    Path(a.out).write_text(json.dumps(res, indent=1))
    md = ['### Per case (sds_direction)\n', f"`{res['command']}` on {res['machine']}, {res['date']}.\n",
          '| clip | error | prior | windows | cos(SDS descent, way to truth) | pixel SDS: distance to truth after / before |', '|---|---|---|---|---|---|']
    md += [f"| {r['clip']} | {r['error']} | {r['prior']} | {r['windows']} | {r['cos_to_truth']:.3f} | {r['pixel_sds_distance_ratio']:.3f} |" for r in rows]
    Path(a.out).with_suffix('.md').write_text('\n'.join(md) + '\n')
    print(json.dumps(res['metrics'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
