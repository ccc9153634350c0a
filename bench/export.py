"""Exports and the light report: time and size per 100 frames per format, the GLB/BVH checked in real clients, report sizes.

Sequences: the committed sample's ground-truth walk (Anny, 75 frames at 25 fps, 13,718 vertices, its mesh posed from its
parameters) and a 300-frame sequence made of it looped four times (each loop carried on by the walk's displacement;
the joins are not smooth, which changes nothing for sizes and times).

  <fmt>_kb_per_100f, <fmt>_s_per_100f   size and wall time of `sam4d export --to <fmt>` per 100 frames (300-frame sequence)
  vertices_kb_per_100f                  the same frames as the sequence's own float32 vertices (sam4d_vertices.npy)
  rig_vertex_residual_mm_*             the skinned GLB's mesh against the sequence's own vertices (sample walk)
  blender_glb_max_err_mm               Blender (bpy) importing the GLB: evaluated joints and vertices vs the rig, 4 frames
  blender_bvh_max_err_mm               Blender importing the BVH: bone heads and tips vs the constant-length rig, 4 frames
  bvh_keypoint_dev_mm_*                the BVH's bone tips vs the sequence's keypoints (its bone lengths vary)
  threejs_max_err_mm                   three.js GLTFLoader + AnimationMixer in chromium: bones and every vertex vs the rig
  gltf_validator_errors / _warnings    Khronos glTF Validator (npm gltf-validator) on the sample's GLB
  report_mb_sample / _before           report.html of the sample run (stages 02-05 on the sample video: the CPU backend's
                                       sequence and its overlay on the video): compact (every frame) / as before (morph targets + JPEG stacks,
                                       thinned to 120 frames); widget assets (shared, 4.5 MB) not counted
  report_mb_300f / _before             the same for a 300-frame run (the sample run looped four times, video included)
  report_notebook_mb_300f              the executed stage notebook kept in runs/ (07_report.ipynb) for the 300-frame run
  smplx_fit_v2v_mm / smplx_init_v2v_mm  SMPL-X fit (200 steps) to 12 frames posed by a random model in the SMPL-X file layout:
                                       mean vertex error after the fit / at its start (the fit never sees the vertex order)

usage: .venv-sam3d/bin/python bench/export.py [--data-root DIR_WITH_A_SAMPLE_RUN] [--out bench/results/export.json]
(without --data-root it runs stages 02-05 on the sample video into a temporary folder first)
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.core import Camera, DataLayout, Sequence4D
from sam4d.export.rig import rig_from_sequence
from sam4d.export.files import (blender_errors, export_sequence, rig_glb, run_blender, validate_glb, write_bvh)


def looped(seq: Sequence4D, n: int) -> Sequence4D:
    "`seq` played `n` times in a row, each time shifted on by its root displacement in the ground plane."
    d = seq.keypoints3d[-1, 11:13].mean(0) - seq.keypoints3d[0, 11:13].mean(0)
    d[1] = 0
    shift = lambda a: np.concatenate([a + k * d for k in range(n)]).astype(np.float32)
    c = seq.camera
    cam = None if c is None else Camera(c.K, np.concatenate([c.R] * n), np.concatenate([c.t - (c.R @ (k * d)) for k in range(n)]), c.width, c.height)
    out = seq.replace(keypoints3d=shift(seq.keypoints3d), vertices=None if seq.vertices is None else shift(seq.vertices),
                      camera=cam, keypoints2d=None if cam is None else cam.project(shift(seq.keypoints3d)).astype(np.float32),
                      params={k: v for k, v in seq.params.items() if np.ndim(v) == 0 or np.shape(v)[0] != seq.T},
                      interpolated=[i + k * seq.T for k in range(n) for i in seq.interpolated])
    return out


def format_costs(seq: Sequence4D, work: Path) -> dict:
    "Size and seconds per 100 frames of each format."
    seq.save(work/'walk300')
    out = {}
    for fmt in ('glb', 'bvh', 'obj-seq', 'ply-seq'):
        man = export_sequence(work/'walk300', work/f'out_{fmt}', [fmt])['formats'][fmt]
        out[f'{fmt.replace("-", "_")}_kb_per_100f'] = man['bytes'] / 1e3 * 100 / seq.T
        out[f'{fmt.replace("-", "_")}_s_per_100f'] = man['seconds'] * 100 / seq.T
    out['vertices_kb_per_100f'] = seq.vertices[:100].nbytes / 1e3
    return out


def client_checks(seq: Sequence4D, work: Path) -> dict:
    "Blender, three.js and the validator on the sample's GLB and BVH."
    from sam4d.testing.browser import threejs_glb
    rig, fixed = rig_from_sequence(seq), rig_from_sequence(seq, offsets=False)
    glb, bvh = work/'walk.glb', work/'walk.bvh'
    glb.write_bytes(rig_glb(rig)); write_bvh(fixed, bvh)
    frames = [0, seq.T // 3, 2 * seq.T // 3, seq.T - 1]
    err = blender_errors(run_blender(glb, bvh, seq.fps, frames), rig, fixed, frames)
    tj = threejs_glb(glb, frames, seq.fps)
    J = rig.joint_positions()[frames]
    tj_err = max(max(np.linalg.norm(tj['joints'][n] - J[:, j], axis=-1).max() for j, n in enumerate(rig.names)),
                 np.linalg.norm(tj['vertices'] - rig.vertices(frames), axis=-1).max()) * 1e3
    rep = validate_glb(glb)['issues']
    dev = np.linalg.norm(fixed.keypoints() - seq.keypoints3d, axis=-1) * 1e3
    res = rig.info['vertex_residual_mm']
    return dict(blender_glb_max_err_mm=max(err['glb_joints_mm'], err['glb_vertices_mm']),
                blender_bvh_max_err_mm=max(err['bvh_heads_mm'], err['bvh_tips_mm']), threejs_max_err_mm=float(tj_err),
                gltf_validator_errors=rep['numErrors'], gltf_validator_warnings=rep['numWarnings'],
                rig_vertex_residual_mm_mean=res['mean'], rig_vertex_residual_mm_p95=res['p95'], rig_vertex_residual_mm_max=res['max'],
                bvh_keypoint_dev_mm_mean=float(dev.mean()), bvh_keypoint_dev_mm_max=float(dev.max()))


def sample_run(work: Path) -> Path:
    "Stages 02-05 of the sample video into `work`/sample (the report's input and ground truth)."
    root = work/'sample'
    cmd = [str(ROOT/'.venv-sam3d'/'bin'/'sam4d'), 'run', '--video', str(ROOT/'data'/'sample'/'videos'/'walk.mp4'), '--name', 'walk',
           '--data-root', str(root), '--to', '05']
    subprocess.run(cmd, check=True, cwd=ROOT)
    return root


def looped_run(src_root: Path, dst_root: Path, n: int = 4) -> Path:
    "A copy of the sample run with its sequences, ground truth and video looped `n` times."
    from sam4d.frames import extract_frames
    from sam4d.media import write_mp4
    from sam4d.viz.overlay import read_frames
    S, D = DataLayout(src_root), DataLayout(dst_root)
    looped(Sequence4D.load(S.sam4d('walk')), n).save(D.sam4d('walk'))
    if (S.ground_truth('walk')/'meta.json').exists(): looped(Sequence4D.load(S.ground_truth('walk')), n).save(D.ground_truth('walk'))
    fr = read_frames(S.frames('walk'))
    write_mp4(D.video('walk'), np.concatenate([fr] * n), 25.0)
    extract_frames(D.video('walk'), D.frames('walk'), progress=False)
    return dst_root


def report_sizes(root: Path, work: Path, tag: str) -> dict:
    "report.html size (MB) compact and as before (morph targets, JPEG stacks, 120 frames)."
    from sam4d.viz.report import write_report
    out = {}
    for compact, key, mf in ((True, f'report_mb_{tag}', 600), (False, f'report_mb_{tag}_before', 120)):
        res = write_report('walk', root, out_dir=work/f'report_{tag}_{compact}', max_frames=mf, video=False, exports=(), progress=False, compact=compact)
        out[key] = res['html'].stat().st_size / 1e6
    return out


def stage_notebook_size(root: Path) -> float:
    "MB of the executed 07_report notebook that a run keeps in runs/NAME/."
    from sam4d.pipeline import RunConfig, run_stage, sam4d_stages
    stage = [s for s in sam4d_stages() if s.key == '07_report'][0]
    cfg = RunConfig('walk', root, stage_params={'07_report': {'video': False}})
    res = run_stage(stage, cfg, log=lambda m: None)
    return Path(res.executed).stat().st_size / 1e6


def smplx_fit(T: int = 12, iters: int = 200) -> dict:
    "The SMPL-X fit on a sequence posed by a random model in the SMPL-X file layout (sam4d.testing.smplx): vertex error."
    from sam4d.testing.smplx import random_smplx_sequence, write_random_smplx
    from sam4d.export.smplx import SmplxFitConfig, fit_smplx
    with tempfile.TemporaryDirectory() as d:
        model = write_random_smplx(Path(d)/'SMPLX_NEUTRAL.npz')
        seq, truth = random_smplx_sequence(model, T=T)
        t0 = time.time()
        fit = fit_smplx(seq, model, SmplxFitConfig(iters=iters), progress=False)
        secs = time.time() - t0
        init = fit_smplx(seq, model, SmplxFitConfig(iters=0), progress=False)
    v2v = lambda r: float(np.linalg.norm(r['vertices'] - truth['vertices'], axis=-1).mean() * 1e3)
    return dict(smplx_fit_v2v_mm=v2v(fit), smplx_init_v2v_mm=v2v(init), smplx_fit_joint_error_mm=fit['joint_error_mm'],
                smplx_fit_surface_error_mm=fit['surface_error_mm'], smplx_fit_s_per_100f=secs * 100 / T)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data-root', help='a data folder holding the sample run "walk" (stages 02-05); made here if absent')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'export.json'))
    a = ap.parse_args()
    from sam4d.sample import load_ground_truth
    work = Path(tempfile.mkdtemp(prefix='sam4d-bench-export-'))
    t0 = time.time()
    gt = load_ground_truth(DataLayout.sample().ground_truth('walk'))
    m = dict(**client_checks(gt, work), **format_costs(looped(gt, 4), work))
    root = Path(a.data_root) if a.data_root else sample_run(work)
    m.update(report_sizes(root, work, 'sample'))
    r300 = looped_run(root, work/'run300')
    m.update(report_sizes(r300, work, '300f'))
    m['report_notebook_mb_300f'] = stage_notebook_size(r300)
    m.update(smplx_fit())
    out = dict(name='export', date=time.strftime('%Y-%m-%d %H:%M:%S'),
               machine=f'{platform.node()} ({os.cpu_count()} CPUs), load average {os.getloadavg()[0]:.1f} at the end',
               command=' '.join([Path(sys.executable).name, *sys.argv]),
               metrics={k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()},
               notes=(f'GLB/BVH checks on the sample ground-truth walk ({gt.T} frames, {gt.vertices.shape[1]} vertices); '
                      f'format costs on it looped to 300 frames. Reports: html only (the shared _widget_assets folder and '
                      f'report.mp4 not counted), sample run = stages 02-05 on the sample video (CPU backend input only: no refinement, no ground truth in the run folder), 300-frame run '
                      f'= that run looped 4x. Total {time.time() - t0:.0f} s.'))
    shutil.rmtree(work, ignore_errors=True)
    Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
