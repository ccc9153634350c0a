"""Benchmark: does a real pose model see the rendered sample person? MediaPipe Pose (0.10.21, model_complexity=1,
video mode, its shipped weights) on the committed sample video data/sample/videos/walk.mp4, scored against the
ground truth data/sample/ground_truth/walk projected through its camera.

Keys: `detection_rate` (fraction of frames with a person found), `kpt2d_err_px` (mean pixel distance on the 17
COCO body joints MediaPipe shares, over detected frames), plus the median, the error relative to the person's
height in pixels and per-joint errors in the notes. Runs on CPU in the sam4d-sam3d environment:

    .venv-sam3d/bin/python bench/sample_detection.py
"""
import argparse, datetime, json, platform, sys, time
from pathlib import Path
import numpy as np
from sam4d.core import DataLayout, Sequence4D, write_json
from sam4d.media import iter_video
from sam4d.sample import SAMPLE, detection_report, mediapipe_landmarks

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default=None, help='data root holding videos/ and ground_truth/ (default: data/sample)')
    ap.add_argument('--name', default=SAMPLE['name'])
    ap.add_argument('--out', default='bench/results/sample_detection.json')
    a = ap.parse_args()
    layout = DataLayout(Path(a.root)) if a.root else DataLayout.sample()
    frames = np.stack([f for _, _, f in iter_video(layout.video(a.name))])
    gt = Sequence4D.load(layout.ground_truth(a.name))
    t0 = time.perf_counter()
    rep = detection_report(mediapipe_landmarks(frames), gt)
    secs = time.perf_counter() - t0
    import mediapipe
    res = dict(name='sample_detection', date=datetime.date.today().isoformat(),
               machine=f"{platform.machine()} {platform.processor() or ''} CPU, python {platform.python_version()}".strip(),
               command='python ' + ' '.join(sys.argv),
               metrics=dict(detection_rate=rep['detection_rate'], kpt2d_err_px=rep['kpt2d_err_px'],
                            kpt2d_err_median_px=rep['kpt2d_err_median_px'], kpt2d_err_rel_height=rep['kpt2d_err_rel_height'],
                            person_height_px=rep['person_height_px'], frames=rep['frames'], seconds_per_frame=secs / rep['frames']),
               notes=f"MediaPipe {mediapipe.__version__} Pose, model_complexity=1, static_image_mode=False, on the decoded "
                     f"{a.root or 'data/sample'}/videos/{a.name}.mp4 ({frames.shape[2]}x{frames.shape[1]}, {len(frames)} frames). Error over detected "
                     f"frames, 17 COCO body joints; part of it is definitional (MediaPipe's and Anny's joints differ). "
                     f"Per joint (px): " + ', '.join(f'{k} {v:.1f}' for k, v in rep['per_joint_px'].items()))
    write_json(a.out, res)
    print(json.dumps(res['metrics'], indent=1))

if __name__ == '__main__': main()
