"""Benchmark: the CPU reconstruction backend (MediaPipe Pose + one Anny fit over the sequence, stage 03) and the 4D
build (stage 04) on the committed sample data/sample/videos/walk.mp4, scored against data/sample/ground_truth/walk.

Accuracy, on the 17 COCO body joints, in the camera frame (each sequence seen by its own camera):
  mpjpe_mm      mean joint error after aligning the pelvis (mean of the hips), per frame
  pa_mpjpe_mm   mean joint error after a per-frame similarity (Procrustes) alignment
  root_err_mm   pelvis trajectory in the world frame (gravity-aligned, ground y=0 in both) after the best rotation
                about the vertical and horizontal shift of the whole trajectory: depth, height and path shape errors
Plausibility of the built sequence (sam4d.metrics.measures, world frame): jitter (10 m/s^3, WHAM/GVHMR definition) and foot
sliding (mm/frame, on the ground truth's contact frames), with the ground truth's own values for reference.
Speed on this machine: fps_detect (MediaPipe, per frame) and fps_fit (the sequence fit, mesh included), measured
separately; fps_overall = frames / (detect + fit). The machine's load average is recorded: on a shared machine
the wall-clock timings include contention, so frames per CPU-second of this process are given too (MediaPipe's
threads are summed; the fit runs on one thread).

The main run passes the sample camera's intrinsics (`--known-k`, the default: "known intrinsics passed in when
available"); a second run with the backend's own focal guess (the image diagonal) is reported with suffix _estk.

    .venv-sam3d/bin/python bench/reconstruct_cpu.py [--frames N] [--out bench/results/reconstruct_cpu.json]
"""
import argparse, datetime, json, os, platform, sys, tempfile, time
from pathlib import Path
import numpy as np
from sam4d.core import DataLayout, Sequence4D, write_json
from sam4d.frames import extract_frames
from sam4d.reconstruct.run import reconstruct
from sam4d.build4d import build4d
from sam4d.reconstruct.cpu import CPUBackend
from sam4d.metrics.measures import mpjpe, pa_mpjpe
from sam4d.metrics.evaluate import evaluate

BODY = list(range(17))
HIPS = [11, 12]

def root_trajectory_error(seq, gt):
    "Mean pelvis distance (mm) in the world frames after the best yaw + horizontal shift of the whole trajectory."
    p, g = (s.keypoints3d[:, HIPS].mean(1).astype(np.float64) for s in (seq, gt))
    pc, gc = p[:, [0, 2]] - p[:, [0, 2]].mean(0), g[:, [0, 2]] - g[:, [0, 2]].mean(0)
    U, _, Vt = np.linalg.svd(gc.T @ pc)
    R = U @ np.diag([1, np.sign(np.linalg.det(U @ Vt))]) @ Vt            # 2D rotation about +Y, no reflection
    q = p.copy(); q[:, [0, 2]] = pc @ R.T + g[:, [0, 2]].mean(0)
    return float(np.linalg.norm(q - g, axis=-1).mean() * 1000)

def run(frames, gt, K, work, body):
    "Stage 03 + 04 on `frames`; returns the metrics and the timings."
    backend = CPUBackend(body=body)
    seq_dir, out_dir = work/'seq', work/'sam4d'
    t0 = time.perf_counter()
    meta = reconstruct(frames, seq_dir, backend, K=K, progress=False)
    t_stage = time.perf_counter() - t0
    seq = build4d(seq_dir, out_dir)
    T = seq.T
    cam = lambda s: s.camera.to_camera(s.keypoints3d)[:, BODY]
    g = gt.replace(keypoints3d=gt.keypoints3d[:T], keypoints2d=gt.keypoints2d[:T], vertices=None, faces=None,
                   camera=gt.camera.__class__(gt.camera.K, gt.camera.R[:T], gt.camera.t[:T], gt.camera.width, gt.camera.height),
                   params={k: v[:T] if k == 'contacts' else v for k, v in gt.params.items()})
    ev = evaluate(seq, g, selfpen=False)['metrics']
    ev_gt = evaluate(g, contact=g.params.get('contacts'), selfpen=False)['metrics']
    C, Cg = -seq.camera.R[0].T @ seq.camera.t[0], -g.camera.R[0].T @ g.camera.t[0]
    pitch = lambda c: float(np.degrees(np.arcsin(-(c.R[0].T @ [0, 0, 1])[1])))
    det, fit = backend.timings['detect'], backend.timings['fit']
    det_cpu, fit_cpu = backend.timings['detect_cpu'], backend.timings['fit_cpu']
    return dict(mpjpe_mm=float(mpjpe(cam(seq), cam(g), root=HIPS).mean()), pa_mpjpe_mm=float(pa_mpjpe(cam(seq), cam(g)).mean()),
                root_err_mm=root_trajectory_error(seq, g), fps_detect=T / det, fps_fit=T / fit, fps_overall=T / (det + fit),
                fps_detect_per_cpu_s=T / det_cpu, fps_fit_per_cpu_s=T / fit_cpu,
                stage03_seconds=t_stage, jitter_10ms3=ev['jitter']['value'], jitter_gt_10ms3=ev_gt['jitter']['value'],
                foot_sliding_mm_per_frame=ev['foot_sliding']['value'], foot_sliding_gt_mm_per_frame=ev_gt['foot_sliding']['value'],
                camera_height_err_mm=float(abs(C[1] - Cg[1]) * 1000), camera_pitch_err_deg=abs(pitch(seq.camera) - pitch(g.camera)),
                frames=T, frames_without_person=len(meta['frames_without_person']))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', default='walk')
    ap.add_argument('--frames', type=int, default=None, help='first N frames only (default: all)')
    ap.add_argument('--out', default='bench/results/reconstruct_cpu.json')
    a = ap.parse_args()
    import torch
    from sam4d.body import load_body
    sample = DataLayout.sample()
    gt = Sequence4D.load(sample.ground_truth(a.name))
    body = load_body()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        extract_frames(sample.video(a.name), d/'frames', max_frames=a.frames, progress=False)
        load0 = os.getloadavg()[0]
        known = run(d/'frames', gt, gt.camera.K, d/'known', body)
        est = run(d/'frames', gt, None, d/'est', body)
        load1 = os.getloadavg()[0]
    metrics = {**known, **{f'{k}_estk': v for k, v in est.items() if k in ('mpjpe_mm', 'pa_mpjpe_mm', 'root_err_mm',
                                                                          'camera_height_err_mm', 'camera_pitch_err_deg')}}
    import mediapipe
    res = dict(name='reconstruct_cpu', date=datetime.date.today().isoformat(),
               machine=f"{platform.machine()} CPU x{os.cpu_count()}, python {platform.python_version()}, torch {torch.__version__}, "
                       f"load average {load0:.1f} -> {load1:.1f}",
               command='python ' + ' '.join(sys.argv), metrics=metrics,
               notes=f"CPU backend (MediaPipe {mediapipe.__version__} Pose model_complexity=1 in crops + Anny fit, "
                     f"{known['frames']} frames of data/sample/videos/{a.name}.mp4) then build-4d. Main keys with the sample "
                     f"camera's intrinsics passed in; *_estk with the default focal (image diagonal). mpjpe/pa_mpjpe: 17 COCO "
                     f"body joints, camera frame; root_err: pelvis trajectory in the world after yaw+shift alignment. The "
                     f"fit runs single-threaded (many small ops); timings on a shared machine include contention.")
    write_json(a.out, res)
    print(json.dumps(res['metrics'], indent=1))

if __name__ == '__main__': main()
