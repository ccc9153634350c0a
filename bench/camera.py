"""Benchmark (issue 16): real-video conditions on the project's synthetic sample, with the truth known.

1. Camera motion. The sample's Anny walk (`sam4d.sample.SAMPLE`) is rendered three times over the same room (with
   pictures on the wall) by cameras of `sam4d.synthetic.camera_path`: static, panning (follows the walker, about
   30 degrees) and hand-held (the static view with about a degree of shake). Each clip goes through the chain as
   a user's video would: H.264 file -> frames (stage 02) -> CPU backend with its own focal guess (stage 03) ->
   build-4d (stage 04), which estimates the camera. Scored against the truth:
     rot_err_deg       median over frames of the angle between the estimated and the true camera rotation, each
                       relative to its first frame (`sam4d.metrics.world.camera_rotation_error`), pan and hand-held
     foot_sliding      world-frame foot sliding (mm/frame) on the truth's contact frames (`sam4d.metrics.evaluate`)
     w_mpjpe           W-MPJPE (mm): the 17 COCO body joints after a rigid fit on the first two frames of each
                       100-frame chunk (`sam4d.metrics.world.world_errors`, GVHMR's definition)
   and the ratios moving / static (the worse of pan and hand-held). Baseline beside it: the same moving clips
   built with --static-camera (the old behaviour).
2. Identity through a crossing. A second person (other clothes and shape) walks the other way and crosses in
   front of the sample's walker. Built with --person first (the input photo's person: whoever the detector found in
   frame 0), the kept frames must all be that person's: crossing_identity_kept = 1 when no frame that is not marked
   missing has its detected 2D keypoints clearly (twice) nearer to the other person's truth than to the chosen one's
   (frames where they overlap so that the keypoints are near both are counted apart, frames_overlapping).
3. The refinement's 2D term. The sample's truth keypoints displaced 12 cm sideways (in the image plane) with the
   truth's 2D keypoints as detections, refined with the physical terms (default config, 200 steps):
   refine_2d_offset_corrected_frac = 1 - (mean joint error after) / (mean joint error before).

    .venv-sam3d/bin/python bench/camera.py [--work DIR] [--out bench/results/camera.json]
"""
import argparse, datetime, os, platform, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from sam4d.core import COCO_FEET_JOINTS, Camera, DataLayout, Sequence4D, write_json
from sam4d.synthetic import camera_path, synthesize
from sam4d.sample import SAMPLE, render_people, sample_sequence, write_clip
from sam4d.frames import extract_frames
from sam4d.reconstruct.run import reconstruct
from sam4d.reconstruct.cpu import CPUBackend
from sam4d.build4d import build4d
from sam4d.metrics.evaluate import evaluate
from sam4d.metrics.world import camera_rotation_error, world_errors

BODY = list(range(17))
PATHS = ('static', 'pan', 'handheld')

def seen_by(seq: Sequence4D, cam: Camera) -> Sequence4D:
    "The truth as filmed by `cam`."
    return seq.replace(camera=cam, keypoints2d=cam.project(seq.keypoints3d).astype(np.float32))

def chain(root: Path, name: str, body, static_camera=False, person=None, log=print) -> Sequence4D:
    "Stages 02-04 on the clip videos/NAME.mp4 under `root` (records reused across builds)."
    L = DataLayout(root)
    if not (L.frames(name)/'frames.json').exists(): extract_frames(L.video(name), L.frames(name), progress=False)
    if not (L.sam3d_seq(name)/'meta.json').exists(): reconstruct(L.frames(name), L.sam3d_seq(name), CPUBackend(body=body), progress=False)
    out = L.sam4d(name + ('_forced_static' if static_camera else ''))
    return build4d(L.sam3d_seq(name), out, static_camera=static_camera, person=person, log=log)

def scores(seq: Sequence4D, gt: Sequence4D) -> dict:
    "Rotation error, world foot sliding and W-MPJPE of a build against its truth."
    ev = evaluate(seq, gt, selfpen=False)['metrics']
    w = world_errors(seq.keypoints3d[:, BODY], gt.keypoints3d[:, BODY], gt.fps, COCO_FEET_JOINTS[:17])
    return dict(rot_err_deg=float(np.median(camera_rotation_error(seq.camera, gt.camera))),
                foot_sliding=ev['foot_sliding']['value'], w_mpjpe=w['w_mpjpe'], wa_mpjpe=w['wa_mpjpe'],
                camera=seq.source['camera']['model'], focal_px=seq.source['camera']['focal_px'],
                warnings=[x['check'] for x in seq.source['warnings']])

def camera_part(root, seq, body) -> dict:
    "Render, run and score the three camera paths, and the moving ones built as if static."
    out = {}
    for p in PATHS:
        t0 = time.perf_counter()
        cam = camera_path(seq.vertices[:, ::7], p, fps=seq.fps, seed=1, width=SAMPLE['width'], height=SAMPLE['height'],
                          azimuth=SAMPLE['azimuth'], elevation=SAMPLE['elevation'], focal=SAMPLE['focal'])
        gt = seen_by(seq, cam)
        name = f'walk_{p}'
        if not DataLayout(root).video(name).exists():
            write_clip(root, name, render_people(seq, cam, decor=True, progress=False), seq.fps, gt, prompt=SAMPLE['prompt'],
                       model=f'synthetic: the sample walk rendered by a {p} camera (bench/camera.py)', seed=1)
        out[p] = scores(chain(root, name, body), gt)
        if p != 'static': out[p + '_forced_static'] = scores(chain(root, name, body, static_camera=True), gt)
        print(p, out[p], f'{time.perf_counter() - t0:.0f} s', flush=True)
    return out

def crossing_part(root, seq, body) -> dict:
    "A second person crosses in front of the walker; is the chosen person the only one in the kept frames?"
    other = synthesize('walk', body=body, shape=body.shape_vector(height=0.75, weight=0.3, gender=0.9), speed=1.2,
                       duration=SAMPLE['duration'], fps=seq.fps, seed=3, yaw=np.pi, offset=(-0.8, 0., 3.6))
    from sam4d.synthetic import frame_camera
    cam = frame_camera(np.concatenate([seq.vertices[:, ::7], other.vertices[:, ::7]], 1), width=SAMPLE['width'],
                       height=SAMPLE['height'], azimuth=SAMPLE['azimuth'], elevation=SAMPLE['elevation'], focal=SAMPLE['focal'])
    name = 'walk_crossing'
    if not DataLayout(root).video(name).exists():
        write_clip(root, name, render_people([seq, other], cam, decor=True, progress=False), seq.fps, seen_by(seq, cam),
                   prompt='two people cross', model='synthetic: the sample walk and a second walker crossing (bench/camera.py)', seed=3)
    built = chain(root, name, body, person='first')
    truth2d = [cam.project(p.keypoints3d)[:, BODY] for p in (seq, other)]
    kept = np.setdiff1d(np.arange(built.T), built.interpolated)
    det, conf = built.keypoints2d_detected[:, BODY], built.keypoints2d_confidence[:, BODY] > 0.5
    d = [np.array([np.linalg.norm(det[t] - g[t], axis=-1)[conf[t]].mean() for t in kept]) for g in truth2d]
    who = np.where(d[0] < 0.5 * d[1], 0, np.where(d[1] < 0.5 * d[0], 1, -1))   # the walker, the other, or both (overlapping)
    mine = who[who >= 0][0] if (who >= 0).any() else -1
    swaps = int(((who >= 0) & (who != mine)).sum())
    return dict(crossing_identity_kept=int(mine >= 0 and swaps == 0), chosen=['sample walker', 'other person'][mine] if mine >= 0 else None,
                kept_frames=int(len(kept)), missing_frames=len(built.interpolated), frames_of_the_other=swaps,
                frames_overlapping=int((who < 0).sum()),
                tracks=len(built.source['person']['tracks']), warnings=[x['check'] for x in built.source['warnings']])

def refine_part(seq, iters=200, offset_m=0.12) -> dict:
    "Share of a sideways displacement of the start that the refinement removes when anchored to the truth's 2D keypoints."
    from sam4d.refine.loop import refine
    from sam4d.refine.losses import RefineConfig
    gt = Sequence4D.load(DataLayout.sample().ground_truth(SAMPLE['name']))
    off = (gt.camera.R[0].T @ np.array([offset_m, 0, 0], np.float32)).astype(np.float32)      # along the image's x axis
    start = gt.replace(keypoints3d=gt.keypoints3d + off, keypoints2d=gt.camera.project(gt.keypoints3d + off).astype(np.float32),
                       keypoints2d_detected=gt.keypoints2d, keypoints2d_confidence=np.ones(gt.keypoints2d.shape[:2], np.float32))
    err = lambda s: float(np.linalg.norm(s.keypoints3d - gt.keypoints3d, axis=-1).mean())
    res = refine(start, RefineConfig(iters=iters), progress=False)
    no_det = refine(start.replace(keypoints2d_detected=None, keypoints2d_confidence=None), RefineConfig(iters=iters), progress=False)
    return dict(refine_2d_offset_corrected_frac=1 - err(res.seq) / err(start), offset_mm=err(start) * 1e3,
                error_after_mm=err(res.seq) * 1e3, corrected_frac_without_detections=1 - err(no_det.seq) / err(start))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work', help='work folder (a data root; clips and records there are reused)')
    p.add_argument('--out', default=str(Path(__file__).parent/'results'/'camera.json'))
    a = p.parse_args(argv)
    from sam4d.body import load_body
    root = Path(a.work or tempfile.mkdtemp(prefix='sam4d-bench-camera-'))
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    body = load_body()
    seq = sample_sequence(SAMPLE, body)
    cams = camera_part(root, seq, body)
    cross = crossing_part(root, seq, body)
    print('crossing', cross, flush=True)
    ref = refine_part(seq)
    print('refine', ref, flush=True)
    moving = [cams[p] for p in ('pan', 'handheld')]
    ratio = lambda k: max(m[k] / cams['static'][k] for m in moving)
    metrics = dict(rot_err_deg=float(np.median([m['rot_err_deg'] for m in moving])),
                   foot_sliding_moving_over_static=ratio('foot_sliding'), w_mpjpe_moving_over_static=ratio('w_mpjpe'),
                   crossing_identity_kept=cross['crossing_identity_kept'],
                   refine_2d_offset_corrected_frac=ref['refine_2d_offset_corrected_frac'],
                   **{f'{p}_{k}': v for p, m in cams.items() for k, v in m.items()},
                   **{f'crossing_{k}': v for k, v in cross.items() if k != 'crossing_identity_kept'},
                   **{f'refine_{k}': v for k, v in ref.items() if k != 'refine_2d_offset_corrected_frac'})
    res = dict(name='camera', date=datetime.date.today().isoformat(),
               machine=f"{platform.machine()} CPU x{os.cpu_count()}, python {platform.python_version()}, torch {torch.__version__}, "
                       f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f}, {time.perf_counter() - t0:.0f} s",
               command=' '.join(['python', 'bench/camera.py', *(argv if argv is not None else sys.argv[1:])]), metrics=metrics,
               notes='Sample walk (75 frames, 512x320) rendered by static / pan / hand-held cameras (sam4d.synthetic.camera_path, seed 1) '
                     'over the room with pictures; H.264 -> frames -> CPU backend (its own focal guess) -> build-4d. rot_err_deg: median '
                     'over frames of the pan and hand-held medians. Ratios: the worse of pan and hand-held over static. *_forced_static: '
                     'the same clip built with --static-camera (the old behaviour). Foot sliding on the truth contact frames.'
                     + (f' Work folder {root}: clips, frames and records already there were reused (made by this script).' if a.work else ''))
    write_json(a.out, res)
    print(res['metrics'])
    return 0

if __name__ == '__main__': sys.exit(main())
