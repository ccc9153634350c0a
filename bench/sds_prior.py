"""Video-SDS with a prior that is neither exact nor trivial (issue 17): physics + SDS against physics alone on structured errors.

The prior is the closed-form optimal denoiser of an empirical video distribution (sam4d.refine.empirical): windows of real
motions (CMU motion capture, ../shared/mocap, read by sam4d.mocap) rendered as tube bodies (one colour per bone) by a camera
that follows the person, with random phase (start), speed (time scaling), camera direction, elevation and distance, half of
them mirrored left to right, at the prior's frame rate. The clip under test is never in it: the windows are drawn from the
other clips and from the test clip's take outside the tested seconds and a margin (--strict: never from its take).

Each test clip (2 s at 25 fps of a motion capture, the same tube body raised to stand on the floor, a following camera) is corrupted by the structured
errors of sam4d.metrics.errors that smoothing cannot fix: a left/right leg swap for a few frames (swap_sides), a frozen
segment (freeze) and a wrong swing phase of one leg (phase_shift); and left clean ("good motion"). Each input is refined
with the physical terms at their default weights (RefineConfig defaults): alone, and with the prior as refine_stage uses
it: first the discrete repair (sam4d.refine.repair: left/right swaps, held poses and limb timing proposed where the motion
shows them, kept when the prior's denoising loss over the windows they touch falls by more than the margin), then the
Video-SDS term (sam4d.refine.sds_term.MotionSDS: noise, the annealed schedule, the person mask, frames at the prior's rate,
the balance and the guard at their defaults). The repaired motion is also refined by physics alone, which tells the
repair's share from the SDS gradient's, and is what refine_stage's check (sam4d.refine.stage.check_sds) keeps unless the
prior's loss over all windows is lower after SDS by more than its margin: the 'checked' numbers are what
`sam4d refine --sds` writes, the 'unchecked' ones the SDS run itself. Scores against the truth: MPJPE and acceleration error (sam4d.metrics.measures), jitter,
foot sliding and penetration (sam4d.refine.loop.summary_metrics, contacts from the truth), mean joint speed. Physics alone is
also run with fixed bone offsets (the model the SDS run uses), so that the prior's effect is told from the offsets'; and for
each corrupted clip the script checks whether the prior can tell the truth from the error at all (is the rendered truth
nearer the data set than the rendered input?). It writes bench/results/sds_prior.json and the per-case tables
bench/results/sds_prior.md (included in bench/README.md by tools/build_readme.py).

--prior flow runs the same cases with the learned prior instead (sam4d.refine.flow_prior: a flow-matching network
trained by bench/train_flow_prior.py on 30,000 windows drawn as the empirical prior's are, never from the tested seconds;
its weights in bench/data/flow_prior.pt) and writes bench/results/sds_prior_flow.{json,md}. Its check of the truth
against the error is the network's denoising loss (8 fixed noise levels and draws, the same for both): the lower
loss is the likelier video (a diffusion model as a classifier, Li et al. 2023).

Sizes: 2000 windows, 2 test clips x (3 errors + clean), 100 steps per refinement (150 took ~3-5 min a case on the shared
2-core VM, too long for the full run with the fixed-bones baseline; it was cut to 100).

    .venv-sam3d/bin/python bench/sds_prior.py                 # the benchmark (CPU; writes bench/results/sds_prior.json)
    .venv-sam3d/bin/python bench/sds_prior.py --prior flow    # the learned prior (writes bench/results/sds_prior_flow.json)
    .venv-sam3d/bin/python bench/sds_prior.py --prior flow --ci   # the CI part: the walk, a leg swap and clean, 40 steps (sds_prior_flow_ci.json)
    .venv-sam3d/bin/python bench/sds_prior.py --quick         # a small check that the script runs (not a measurement)
"""
import argparse, datetime, json, os, platform, sys, time
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.mocap import capture_contacts, clip_markers, load_capture, manifest
from sam4d.metrics.errors import corrupt
from sam4d.metrics.measures import accel_error, mpjpe, speed
from sam4d.refine.empirical import WindowSpec, empirical_prior, follow_camera, render_windows, sample_windows, tube_sequence
from sam4d.refine.flow_prior import FlowMatchingPrior, load_flow_prior
from sam4d.refine.losses import RefineConfig
from sam4d.refine.loop import Balance, refine, summary_metrics
from sam4d.refine.repair import WindowScorer, repair
from sam4d.refine.sds import SDSConfig, SDSTerm, denoising_loss
from sam4d.refine.sds_term import MotionSDS, tube_body
from sam4d.refine.stage import check_sds

JOINTS = ['left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle', 'left_toe', 'right_toe', 'neck', 'head',
          'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist']
EDGES = [('left_hip', 'right_hip'), ('left_hip', 'neck'), ('right_hip', 'neck'), ('neck', 'head')] + [
    (f'{s}_{a}', f'{s}_{b}') for s in ('left', 'right') for a, b in
    (('hip', 'knee'), ('knee', 'ankle'), ('ankle', 'toe'), ('neck', 'shoulder'), ('shoulder', 'elbow'), ('elbow', 'wrist'))]
EDGES = [(a.replace('left_neck', 'neck').replace('right_neck', 'neck'), b) for a, b in EDGES]
SKELETON = [(JOINTS.index(a), JOINTS.index(b)) for a, b in EDGES]
DUPLICATES = {'cmu_01_01_forward_jumps_turn': 'cmu_01_01_forward_jumps_turn_amc'}   # the same take twice: keep the ASF/AMC one
TESTS = [('cmu_131_01_walk_start_stop', 3.0), ('cmu_06_10_dribble_left_turns', 2.0)]   # (clip, start s); 2 s each
ERRORS = dict(swap_sides=dict(part='leg', length=6), freeze=dict(length=10), phase_shift=dict(shift_s=0.12))
TUBE_RADIUS = 0.06


def motion(clip, fps):
    "Joints (T,16,3) in metres on the floor at `fps` of a manifest clip (sam4d.mocap markers; the ball of the foot as the toe)."
    M = clip_markers(load_capture(clip), fps)
    return np.stack([M[n.replace('toe', 'ball')] for n in JOINTS], 1)


def collection(fps):
    "Every clip of the manifest (one of each take) as {clip: (X, fps)}."
    return {c: (motion(c, fps), fps) for c in manifest() if c not in DUPLICATES}


def test_truth(X, fps, height, width):
    "A test clip's truth as a tube body standing on the floor, seen by the following camera: the sequence (with the capture's contacts) and its colours."
    contacts = capture_contacts({n.replace('toe', 'ball'): X[:, i] for i, n in enumerate(JOINTS)}, fps)
    lowest = tube_body(X, SKELETON, TUBE_RADIUS)[0][..., 1].min(1)
    X = X + [0, max(0.0, -float(np.percentile(lowest, 5))), 0]     # the markers stand on the floor, the tubes around them a radius lower
    cam = follow_camera(X, JOINTS, azimuth=0.9, width=width, height=height)
    return tube_sequence(X, fps, JOINTS, SKELETON, cam, radius=TUBE_RADIUS, params=dict(contacts=contacts))


def scores(seq, gt):
    "The benchmark's numbers of `seq` against the truth `gt`."
    m = summary_metrics(seq, gt, gt.params.get('contacts'))
    return dict(mpjpe=float(mpjpe(seq.keypoints3d, gt.keypoints3d).mean()), accel_error=float(accel_error(seq.keypoints3d, gt.keypoints3d, gt.fps).mean()),
                jitter=m['jitter'], foot_sliding=m['foot_sliding'], penetration=m['penetration_mean'],
                speed=float(speed(seq.keypoints3d, seq.fps).mean()))


def sds_term(prior, seq, colors, a, iters):
    "The Video-SDS term for a test clip with the empirical prior, the issue's defaults unless the command line says otherwise."
    cfg = SDSConfig(anneal_steps=iters, s_max_end=a.s_max_end)
    return MotionSDS(SDSTerm(prior, cfg, seed=0), seq.faces, seq.camera, a.frames, a.height, a.width,
                     background=torch.full((a.height, a.width, 3), 0.3), vertex_colors=colors, balance=Balance(ratio=a.ratio))


def nearest_distance(prior):
    "A video's distance (RMS per pixel value) to the nearest window of an empirical prior's data set."
    M, c, sq, D = prior.means.float(), prior.centre, prior.sq.float(), prior.means.shape[1]
    return lambda x: float((((x - c) ** 2).sum() - 2 * (M @ (x - c)) + sq).min().clamp_min(0).sqrt() / D ** 0.5)


def prior_loss(prior, levels=8):
    "A video's mean flow-matching loss under a learned prior, over fixed noise levels and draws (lower: likelier)."
    s = [0.05 + 0.9 * (i + 0.5) / levels for i in range(levels)]
    return lambda video: float(denoising_loss(prior, prior.encode(video.reshape(1, *prior.shape)), s, torch.Generator().manual_seed(0)).mean())


@torch.no_grad()
def prior_check(prior, term, err, gt):
    "Can the prior tell the truth from the error? Over the windows (at the prior's rate) that touch a corrupted frame: the share where the rendered truth scores better than the rendered input (empirical prior: nearer the data set; learned prior: lower denoising loss), the median scores, and the median truth-input distance (RMS per pixel value)."
    bad = np.flatnonzero(np.abs(err.keypoints3d - gt.keypoints3d).max((1, 2)) > 1e-6)
    score = prior_loss(prior) if isinstance(prior, FlowMatchingPrior) else nearest_distance(prior)
    out, window = [], term.frames_at(err.T, err.fps)
    for off in range(0, err.T, 2):
        pos = window - window[0] + off
        if pos[-1] > err.T - 1 or not ((bad >= pos[0] - 1) & (bad <= pos[-1] + 1)).any(): continue
        xt, xe = (term.render(torch.as_tensor(s.vertices, dtype=torch.float32), pos).reshape(-1) for s in (gt, err))
        out.append((score(xt), score(xe), float((xt - xe).norm() / len(xt) ** 0.5)))
    d = np.array(out).reshape(-1, 3)
    what = 'loss' if isinstance(prior, FlowMatchingPrior) else 'nn_dist'
    return dict(windows=len(d), truth_nearer_frac=float((d[:, 0] < d[:, 1]).mean()) if len(d) else None,
                **{f'{what}_truth': float(np.median(d[:, 0])) if len(d) else None, f'{what}_input': float(np.median(d[:, 1])) if len(d) else None},
                truth_input_dist=float(np.median(d[:, 2])) if len(d) else None)


def header(name, argv, script=None):
    "The results' name, date, machine and the command line of `bench/SCRIPT.py` (default: NAME) run with `argv`."
    return dict(name=name, date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
                machine=f'{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads',
                command=f'.venv-sam3d/bin/python bench/{script or name}.py ' + ' '.join(argv if argv is not None else sys.argv[1:]))


def prior_summary(rs):
    "The prior checks of the structured cases pooled: share of windows where the truth lies nearer the data, median distances."
    pcs = [r['prior_check'] for r in rs if r.get('prior_check', {}).get('windows')]
    if not pcs: return {}
    n = sum(p['windows'] for p in pcs)
    return dict(prior_truth_nearer_frac=sum(p['truth_nearer_frac'] * p['windows'] for p in pcs) / n,
                **{f'prior_{k}': float(np.median([p[k] for p in pcs])) for k in pcs[0] if k not in ('windows', 'truth_nearer_frac')})


def run_case(name, err, gt, colors, prior, a, rows):
    "Refine `err` with physics alone and with physics + SDS; scores and the SDS run's readouts into `rows`."
    t0 = time.process_time()
    phys = refine(err, RefineConfig(iters=a.iters), gt=gt, progress=False)
    t1 = time.process_time()
    fixed = refine(err, RefineConfig(iters=a.iters, free_offsets=False), gt=gt, progress=False)   # the model SDS runs with (Balance.fix_offsets)
    term = sds_term(prior, err, colors, a, a.iters)
    rep = repair(err, WindowScorer(term), progress=False)          # what refine_stage does before the SDS refinement
    repaired = refine(rep.seq, RefineConfig(iters=a.iters), gt=gt, progress=False)
    t3 = time.process_time()
    both = refine(rep.seq, RefineConfig(iters=a.iters), extra_terms=[term], gt=gt, progress=False)
    check = check_sds(repaired, both, WindowScorer(term), RefineConfig().sds_check_margin)    # refine_stage's choice between the two
    r = dict(input=scores(err, gt), physics=scores(phys.seq, gt), physics_fixed=scores(fixed.seq, gt), repair=scores(repaired.seq, gt),
             sds=scores(both.seq, gt), checked=scores((both if check['kept'] == 'sds' else repaired).seq, gt), check=check,
             truth_speed=float(speed(gt.keypoints3d, gt.fps).mean()), status=both.status, message=both.message, warnings=both.warnings,
             grad_ratio=float(np.median([h['grad_ratio_video_sds'] for h in both.history if 'grad_ratio_video_sds' in h])),
             repairs=[dict(kind=c['kind'], frames=list(c['frames']), gain=round(c['gain'], 4), **c['params']) for c in rep.accepted],
             repair_s=rep.seconds, repair_windows=rep.windows_rendered, cpu_s_physics=t1 - t0, cpu_s_sds=time.process_time() - t3)
    if err is not gt: r['prior_check'] = prior_check(prior, sds_term(prior, err, colors, a, a.iters), err, gt)
    rows[name] = r
    f = lambda k: f"{k} {r['input'][k]:.1f} -> {r['physics'][k]:.1f} | {r['sds'][k]:.1f} | {r['checked'][k]:.1f}"
    print(f"{name} (input -> physics | SDS | checked): {f('mpjpe')}; {f('accel_error')}; {f('jitter')}; "
          f"speed {r['checked']['speed'] / r['input']['speed']:.2f}; ratio {r['grad_ratio']:.2f}; {both.status}\n  {rep.summary()}\n  "
          f"check: kept {check['kept']} (loss fall {check.get('loss_fall')})", flush=True)


def write_md(path, res, rows):
    "The per-case table (input, physics alone, physics + SDS) with the command, beside the JSON (bench/README.md includes it)."
    cols = [('mpjpe', 'MPJPE mm'), ('accel_error', 'accel err'), ('jitter', 'jitter'), ('foot_sliding', 'foot slide mm'),
            ('penetration', 'pen mm'), ('speed', 'speed m/s')]
    out = [f"### Per case ({res['name']})\n", f"`{res['command']}` on {res['machine']}, {res['date']}.\n",
           '| clip | error | refinement | ' + ' | '.join(c for _, c in cols) + ' | SDS share | status |',
           '|---|---|---|' + '---|' * len(cols) + '---|---|']
    for name, r in rows.items():
        clip, kind = name.rsplit(':', 1)
        for m, label in (('input', 'input'), ('physics', 'physics'), ('physics_fixed', 'physics, fixed bones'), ('repair', 'prior repair + physics'),
                         ('sds', 'prior repair + physics + SDS (unchecked)'),
                         ('checked', f"sam4d refine --sds: kept {'SDS' if r['check']['kept'] == 'sds' else 'physics'}")):
            extra = f"{r['grad_ratio']:.3g} | {r['status']}" if m == 'sds' else ' | '
            out.append(f'| {clip} | {kind} | {label} | ' + ' | '.join(f'{r[m][k]:.1f}' if k != 'speed' else f'{r[m][k]:.2f}' for k, _ in cols)
                       + f' | {extra} |')
    out.append('\nSDS share: median over steps of |balanced SDS gradient| / |physical gradient| on the motion parameters. Prior repair: '
               'sam4d.refine.repair (the discrete changes the prior keeps, run before the refinement as refine_stage does). '
               'sam4d refine --sds: the SDS run kept only when the prior\'s loss over all windows is lower than after physics alone '
               f"by more than {100 * RefineConfig().sds_check_margin:g}% at every noise level (sam4d.refine.stage.check_sds), else physics alone (after the repair).\n")
    out += ['| clip | error | changes the prior kept (kind, frames, least fall of its loss over the levels) | repair s | windows scored | SDS over physics: least loss fall |',
            '|---|---|---|---|---|---|']
    for name, r in rows.items():
        kept = '; '.join(f"{c['kind']} {c.get('part') or c.get('limb') or ''} {c['frames'][0]}..{c['frames'][1] - 1}"
                         f"{' by ' + str(c['shift_frames']) if 'shift_frames' in c else ''} (-{100 * c['gain']:.1f}%)" for c in r['repairs'])
        out.append(f"| {' | '.join(name.rsplit(':', 1))} | {kept or 'none'} | {r['repair_s']:.0f} | {r['repair_windows']} | "
                   f"{100 * r['check']['loss_fall']:+.1f}% |")
    out.append('')
    learned = any('loss_truth' in r.get('prior_check', {}) for r in rows.values())
    what, label = ('loss', 'denoising loss') if learned else ('nn_dist', 'nearest')
    out += ['Can the prior tell the truth from the error? Windows at the prior\'s rate that touch a corrupted frame, rendered as the '
            'SDS term renders them: share where the truth scores better than the corrupted input ' +
            ('(lower denoising loss of the learned prior: 8 fixed noise levels and draws), the median losses' if learned else
             '(nearer the data set: nearest window), the median nearest-window distances (RMS per pixel value)') + ' and the truth-input distance.\n',
            f'| clip | error | windows | truth better | {label}, truth | {label}, input | truth - input |', '|---|---|---|---|---|---|---|']
    for name, r in rows.items():
        p = r.get('prior_check')
        if p and p['windows']:
            out.append(f"| {' | '.join(name.rsplit(':', 1))} | {p['windows']} | {p['truth_nearer_frac']:.2f} | {p[what + '_truth']:.4f} | "
                       f"{p[what + '_input']:.4f} | {p['truth_input_dist']:.4f} |")
    Path(path).write_text('\n'.join(out) + '\n')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--prior', choices=('empirical', 'flow'), default='empirical', help='the closed-form empirical prior, or the learned flow prior')
    p.add_argument('--weights', default=str(ROOT/'bench'/'data'/'flow_prior.pt'), help='the learned prior (--prior flow)')
    p.add_argument('--out', help='results JSON (default bench/results/sds_prior.json, sds_prior_flow.json with --prior flow)')
    p.add_argument('--windows', type=int, default=2000, help='rendered windows in the empirical distribution')
    p.add_argument('--frames', type=int, default=9)
    p.add_argument('--prior-fps', type=float, default=12.5)
    p.add_argument('--height', type=int, default=48)
    p.add_argument('--width', type=int, default=32)
    p.add_argument('--sigma', type=float, default=0.05, help='kernel width of the empirical distribution (0: the empirical one)')
    p.add_argument('--ratio', type=float, default=Balance().ratio, help='Balance.ratio')
    p.add_argument('--s-max-end', type=float, default=SDSConfig().s_max_end)
    p.add_argument('--iters', type=int, default=100, help='steps of each refinement (100: the full run fits ~40 min on the shared 2-core VM)')
    p.add_argument('--seconds', type=float, default=2.0, help='length of each test clip')
    p.add_argument('--tests', default=','.join(c for c, _ in TESTS))
    p.add_argument('--kinds', default=','.join([*ERRORS, 'none']))
    p.add_argument('--strict', action='store_true', help='no window from the test clips\' takes at all')
    p.add_argument('--cache', help='folder for the rendered windows (reused when the same data set is asked for again)')
    p.add_argument('--ci', action='store_true', help='the CI part: the first test clip, a leg swap and the clean motion, 40 steps (writes *_ci.json)')
    p.add_argument('--quick', action='store_true', help='tiny sizes: checks that the script runs (writes /tmp/sds_prior_quick.json)')
    a = p.parse_args(argv)
    result_name = ('sds_prior_flow' if a.prior == 'flow' else 'sds_prior') + ('_ci' if a.ci else '')
    a.out = a.out or str(ROOT/'bench'/'results'/f'{result_name}.json')
    if a.ci: a.iters, a.tests, a.kinds = 40, TESTS[0][0], 'swap_sides,none'
    if a.quick: a.windows, a.iters, a.out, a.tests, a.kinds = 64, 4, '/tmp/sds_prior_quick.json', TESTS[0][0], 'swap_sides,none'
    if a.prior == 'flow':
        prior = load_flow_prior(a.weights)
        a.frames, a.height, a.width, a.prior_fps = *prior.shape[:3], prior.fps
    torch.manual_seed(0)
    t_start, fps = time.perf_counter(), 25.0
    motions = collection(fps)
    starts = dict(TESTS)
    tests = a.tests.split(',')
    exclude = {c: (0.0, 1e9) if a.strict else (starts[c], starts[c] + a.seconds) for c in tests}
    if a.prior == 'flow':
        trained = {c: tuple(r) for c, r in prior.meta.get('exclude', {}).items()}
        unseen = lambda c: c in trained and trained[c][0] <= exclude[c][0] and trained[c][1] >= exclude[c][1]
        if not all(unseen(c) for c in tests):
            p.error(f'{a.weights} was trained on windows that may overlap the tested seconds (it excludes {trained}): '
                    'train a prior that leaves them out (bench/train_flow_prior.py) or test other seconds')
    spec = WindowSpec(frames=a.frames, fps=a.prior_fps)
    key = f'sds_prior_{a.windows}_{a.frames}_{a.prior_fps}_{a.height}x{a.width}_{"strict" if a.strict else "segment"}_{a.seconds}_{"-".join(sorted(tests))}.pt'
    cached = Path(a.cache)/key if a.cache else None
    if a.prior == 'flow': videos = None
    elif cached is not None and cached.exists(): videos = torch.load(cached)
    else:
        ws = sample_windows(motions, JOINTS, a.windows, spec, np.random.default_rng(0), exclude=exclude)
        videos = render_windows(ws, JOINTS, SKELETON, a.height, a.width, progress=True)
        if cached is not None: cached.parent.mkdir(parents=True, exist_ok=True); torch.save(videos, cached)
    if videos is not None: prior = empirical_prior(videos, spec, sigma=a.sigma)
    t_data = time.perf_counter() - t_start
    if videos is not None: print(f'{len(videos)} windows {tuple(videos.shape[1:])} in {t_data:.0f}s', flush=True)
    rows = {}
    for clip in tests:
        gt, colors = test_truth(motions[clip][0][int(starts[clip] * fps): int((starts[clip] + a.seconds) * fps)], fps, a.height, a.width)
        for kind in a.kinds.split(','):
            err = gt if kind == 'none' else corrupt(gt, kind, seed=0, **ERRORS[kind]).seq
            run_case(f'{clip}:{kind}', err, gt, colors, prior, a, rows)
    structured = [r for k, r in rows.items() if not k.endswith(':none')]
    good = [r for k, r in rows.items() if k.endswith(':none')]
    ratio = lambda rs, k, base='physics', m='checked': sum(r[m][k] for r in rs) / sum(r[base][k] for r in rs)
    metrics = dict(structured_mpjpe_sds_over_physics=ratio(structured, 'mpjpe') if structured else None,
                   structured_accel_sds_over_physics=ratio(structured, 'accel_error') if structured else None,
                   structured_mpjpe_sds_over_physics_fixed_bones=ratio(structured, 'mpjpe', 'physics_fixed', 'sds') if structured else None,
                   structured_accel_sds_over_physics_fixed_bones=ratio(structured, 'accel_error', 'physics_fixed', 'sds') if structured else None,
                   good_motion_mpjpe_change_fixed_bones=ratio(good, 'mpjpe', 'physics_fixed', 'sds') - 1 if good else None,
                   structured_jitter_sds_over_physics=ratio(structured, 'jitter') if structured else None,
                   structured_sliding_sds_over_physics=ratio(structured, 'foot_sliding') if structured else None,
                   structured_penetration_sds_mm=max(r['checked']['penetration'] for r in structured) if structured else None,
                   structured_penetration_physics_mm=max(r['physics']['penetration'] for r in structured) if structured else None,
                   good_motion_mpjpe_change=ratio(good, 'mpjpe') - 1 if good else None,
                   structured_mpjpe_repair_over_physics=ratio(structured, 'mpjpe', 'physics', 'repair') if structured else None,
                   structured_accel_repair_over_physics=ratio(structured, 'accel_error', 'physics', 'repair') if structured else None,
                   structured_mpjpe_sds_over_repair=ratio(structured, 'mpjpe', 'repair', 'sds') if structured else None,
                   structured_mpjpe_sds_unchecked_over_physics=ratio(structured, 'mpjpe', m='sds') if structured else None,
                   structured_accel_sds_unchecked_over_physics=ratio(structured, 'accel_error', m='sds') if structured else None,
                   good_motion_mpjpe_change_sds_unchecked=ratio(good, 'mpjpe', m='sds') - 1 if good else None,
                   sds_kept_by_check=sum(r['check']['kept'] == 'sds' for r in rows.values()),
                   good_motion_mpjpe_change_repair=ratio(good, 'mpjpe', 'physics', 'repair') - 1 if good else None,
                   repairs_kept_structured=sum(len(r['repairs']) for r in structured),
                   repairs_kept_good_motion=sum(len(r['repairs']) for r in good),
                   speed_ratio_after=min(r['checked']['speed'] / r['input']['speed'] for r in rows.values()),
                   speed_ratio_after_over_truth=min(r['checked']['speed'] / r['truth_speed'] for r in rows.values()),
                   grad_ratio_sds_over_physics=float(np.median([r['grad_ratio'] for r in rows.values()])),
                   **prior_summary(structured),
                   cases=len(rows), windows=len(videos) if videos is not None else prior.meta.get('windows'), data_s=t_data, total_s=time.perf_counter() - t_start,
                   cpu_s=time.process_time(), load_average_1min=os.getloadavg()[0])
    for name, r in rows.items():
        for k in ('mpjpe', 'accel_error', 'jitter', 'foot_sliding', 'penetration', 'speed'):
            for m in ('input', 'physics', 'physics_fixed', 'repair', 'sds', 'checked'): metrics[f'{name}:{k}_{m}'] = r[m][k]
        metrics[f'{name}:sds_check_loss_fall'] = r['check'].get('loss_fall')
        for k, v in r.get('prior_check', {}).items(): metrics[f'{name}:prior_{k}'] = v
    described = (f"learned flow-matching network ({a.weights}, trained by bench/train_flow_prior.py: {prior.meta.get('steps')} steps on "
                 f"{prior.meta.get('windows')} rendered windows" if a.prior == 'flow' else
                 f"optimal denoiser (kernel sigma {a.sigma}) of {len(videos)} rendered windows")
    res = dict(**header(result_name, argv, 'sds_prior'), metrics={k: (round(v, 5) if isinstance(v, float) else v) for k, v in metrics.items()},
               notes=f"{'QUICK CHECK, not a measurement. ' if a.quick else ''}prior: {described} ({a.frames} frames at {a.prior_fps} fps, "
                     f"{a.height}x{a.width}) of the manifest's clips "
                     f"({'not their takes' if a.strict else 'outside the tested seconds +- 0.5 s'} for the test clips){')' if a.prior == 'flow' else ''}; tests: "
                     f"{', '.join(tests)} ({a.seconds} s at 25 fps, tube body, following camera); errors (sam4d.metrics.errors, seed 0): "
                     f"{json.dumps(ERRORS)}; 'none' = the clean truth (good motion); {a.iters} steps, RefineConfig defaults, SDS: "
                     f"SDSConfig defaults (s_max_end {a.s_max_end}), Balance(ratio={a.ratio}), guard on; structured_*_sds_over_physics = "
                     "sum over the structured cases of what sam4d refine --sds writes (prior repair, then physics + SDS if the check keeps it, "
                     "else physics alone) over physics alone; *_sds_unchecked_*: the SDS run itself; *_repair_*: prior repair + physics "
                     "(no SDS gradient); good_motion_mpjpe_change = sam4d refine --sds over physics "
                     "alone minus 1 on the clean clips; speed_ratio_after = min over cases of mean joint speed after over the input's "
                     "(*_over_truth: over the clean truth's; a swap's jumps inflate the input's); "
                     "grad_ratio = median over steps (then cases) of |balanced SDS gradient| / |physical gradient| on the motion parameters; "
                     "*_fixed_bones: the SDS run's ratios against physics alone with fixed bone offsets (the model the SDS run uses: "
                     "Balance.fix_offsets), which separates the prior's effect from the offsets'; prior_*: can the prior tell the truth "
                     "from the error (windows touching a corrupted frame: share where the rendered truth lies nearer the nearest data "
                     "window than the rendered input; median distances, RMS per pixel value).",
               cases={k: dict(status=v['status'], warnings=v['warnings'], grad_ratio=v['grad_ratio'], repairs=v['repairs'], repair_s=v['repair_s'],
                              sds_check=v['check'])
                      for k, v in rows.items()})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    write_md(Path(a.out).with_suffix('.md'), res, rows)
    print(json.dumps(res['metrics'], indent=1))
    return 0

if __name__ == '__main__':
    sys.exit(main())
