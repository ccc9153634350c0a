"""Benchmark of `sam4d batch` on this machine, side by side in one run, on the six short variations of the sample in
`bench/data/batch/` (`bench/batch_inputs.py`), stages 02-06 at their defaults but a 30-step refinement (the manifest's):

- throughput (inputs per minute) of a private local Ray instance with 1 CPU and with 2 CPUs (1 and 2 workers);
- the overhead of Ray per stage against `sam4d run`: for each stage task of the 1-worker batch, the time from
  submission to result less the stage's own time (`run_stage`), median over tasks; beside it what `sam4d run` spends
  per stage outside `run_stage` for the same input (run with OMP_NUM_THREADS=1, as Ray gives a 1-CPU task);
- fault tolerance: a third batch (2 workers, plus one broken video) whose worker is killed in the middle of stage 03
  of `walk_pan`; its results against the uninterrupted 2-worker batch (`killed_worker_identical`), and the broken
  input reported as failed while the six succeed (`failed_as_expected`);
- on paper, from the GPU figures in bench/results/ (video_gen_h100.json, sds_h100.json, their own measurements):
  H100-hours per 1,000 inputs at the default settings, and the H100s that finish 1,000 inputs in a day.

    .venv-sam3d/bin/python bench/batch.py [--out bench/results/batch.json]

Wall times on this shared 2-core machine depend on its load (recorded in the result)."""
import argparse, csv, datetime, json, math, os, platform, signal, statistics, subprocess, tempfile, time
from pathlib import Path
from sam4d.core import DataLayout, project_root
from sam4d.reconstruct.run import partial_dir

ROOT = project_root()
SAM4D = str(ROOT/'.venv-sam3d'/'bin'/'sam4d')
INPUTS = ROOT/'bench'/'data'/'batch'
RESULTS = ROOT/'bench'/'results'

def write_manifest(path: Path, broken: Path | None = None) -> list:
    "The committed manifest with absolute paths (plus a broken video); the names of the good inputs."
    rows = list(csv.DictReader(open(INPUTS/'manifest.csv')))
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, list(rows[0])); w.writeheader()
        for r in rows: w.writerow(dict(r, video=str(INPUTS/r['video'])))
        if broken: w.writerow({'name': 'broken', 'video': str(broken)})
    return [r['name'] for r in rows]

def batch(manifest: Path, root: Path, *extra, popen=False):
    "Run `sam4d batch`; (return code, output, seconds) — or the process when `popen`."
    cmd = [SAM4D, 'batch', str(manifest), '--data-root', str(root), '--to', TO, *extra]
    if popen: return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    t = time.time(); r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr, time.time() - t

def outputs(root: Path, stem: str):
    "(results rows by name, batch.json) of a finished batch."
    d = root/'batches'/stem
    return {r['name']: r for r in csv.DictReader(open(d/'results.csv'))}, json.loads((d/'batch.json').read_text())

def kill_in_stage03(p, root: Path, stem: str, name: str) -> int:
    "Wait until stage 03 of `name` has written some per-frame records, then SIGKILL the Ray worker running it; its pid."
    L, task = DataLayout(root), root/'batches'/stem/'tasks'/f'{name}.03_reconstruct.json'
    part, deadline = partial_dir(L.sam3d_seq(name)), time.time() + 1800
    while time.time() < deadline and p.poll() is None:
        n = len(list(part.glob('*.npz'))) if part.is_dir() else 0
        if task.exists() and 2 <= n <= 12 and not (L.sam3d_seq(name)/'meta.json').exists():
            pid = json.loads(task.read_text())['attempts'][-1]['pid']
            os.kill(pid, signal.SIGKILL)
            return pid
        time.sleep(0.1)
    raise RuntimeError(f'stage 03 of {name} was not caught running')

SAME = ('status', 'stages_ran', 'products_sha1')
TO = '06'            # stages 02-06: 07 (the report page) is outside the batch's measurements

def identical(a: dict, b: dict, names, ends=('_before', '_after'), same=SAME) -> bool:
    "Whether two batches gave the same products and metrics (columns ending in `ends`) for `names`."
    cols = list(same) + [c for c in a[names[0]] if c.endswith(ends)]
    return all(a[n][c] == b[n][c] for n in names for c in cols)

def gpu_hours() -> tuple:
    "H100-hours per 1,000 inputs at the default settings, from the GPU results in bench/results/; (metrics, the arithmetic)."
    V, S = (json.loads((RESULTS/f).read_text()) for f in ('video_gen_h100.json', 'sds_h100.json'))
    v, s = V['metrics'], S['metrics']
    from sam4d.video.models import MODELS
    from sam4d.pipeline import notebook_parameters, sam4d_stages
    spec = MODELS['hunyuan-i2v']                                     # stage 01's default model, frames, 720p, steps
    iters = notebook_parameters(next(st for st in sam4d_stages() if st.key == '06_refine').notebook)['iters']['default']
    measured_steps = 4                                               # video_gen_h100 times a call of 4 steps
    t01 = v['call_s_129f_720x1280_offload'] + (spec.steps - measured_steps) * v['s_per_step_129f_720x1280_offload'] \
          + v['vae_decode_s_129f_720x1280_tiled']
    t06 = iters * s['step_ms'] / 1000
    per_input_h = (t01 + t06) / 3600
    hours = 1000 * per_input_h
    text = (f"stage 01 (HunyuanVideo-I2V, {spec.frames} frames 720x1280, {spec.steps} steps): call with {measured_steps} steps "
            f"{v['call_s_129f_720x1280_offload']:.1f} s + {spec.steps - measured_steps} more steps x {v['s_per_step_129f_720x1280_offload']:.2f} s "
            f"+ VAE decode (tiled) {v['vae_decode_s_129f_720x1280_tiled']:.1f} s = {t01:.1f} s; stage 06 (Video-SDS, {iters} steps at "
            f"33 frames 320x512): {iters} x {s['step_ms'] / 1000:.3f} s = {t06:.1f} s; per input {t01:.1f} + {t06:.1f} = {t01 + t06:.1f} s "
            f"= {per_input_h:.4f} h; per 1,000 inputs {hours:.1f} H100-hours; in 24 h: {hours:.1f} / 24 = {hours / 24:.2f} -> "
            f"{math.ceil(hours / 24)} H100s (GPUs measured: stage 01 on {V['machine'].split(';')[0]}, stage 06 on {S['machine'].split(';')[0]}). Not counted: loading the weights from disk in each stage's fresh kernel (not measured "
            f"here; the figures use random weights built on the GPU), the CPU stages 02-05 and 07 (CPU workers, overlapping).")
    return dict(h100_hours_per_1000_inputs=round(hours, 1), h100s_for_1000_inputs_per_day=math.ceil(hours / 24),
                gpu_s_per_input_video=round(t01, 1), gpu_s_per_input_refine=round(t06, 1)), text

def ray_overhead(rec: dict) -> list:
    "Per stage task that ran (1-worker batch): Ray's time beyond the stage's own, without the wait for the busy worker."
    tasks = [o for outs in rec['outcomes'].values() for o in outs if o['status'] == 'ran']
    out = []
    for o in tasks:   # dispatch: from submission, or from when the one worker came free, to the task's start
        free = max([t['ended'] for t in tasks if t is not o and t['ended'] <= o['started']], default=o['submitted'])
        out.append((o['started'] - max(o['submitted'], free)) + (o['ended'] - o['started'] - o['seconds']) + (o['returned'] - o['ended']))
    return out

def run_overhead(root: Path, name: str, video: Path, prompt: str, iters: str) -> tuple:
    "`sam4d run` of one input (one thread, as a 1-CPU Ray task has): (wall s, sum of its stages' own s, stages)."
    t = time.time()
    r = subprocess.run([SAM4D, 'run', '--video', str(video), '--prompt', prompt, '--name', name, '--data-root', str(root),
                        '--set', f'06_refine.iters={iters}', '--to', TO], cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    wall = time.time() - t
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    stamps = [json.loads(f.read_text())['seconds'] for f in DataLayout(root).runs(name).glob('*.stamp.json')]
    return wall, sum(stamps), len(stamps)

def measure(work: Path) -> dict:
    "Run the batches and `sam4d run` in `work`; what only the running saw (times of the commands, return codes, the killed pid)."
    write_manifest(work/'six.csv')
    write_manifest(work/'seven.csv', broken=work/'broken.mp4'); (work/'broken.mp4').write_bytes(b'not a video')
    seen = dict(load_start=os.getloadavg()[0])
    for w in (1, 2):
        rc, out, seen[f'total_s_{w}w'] = batch(work/'six.csv', work/f'w{w}', '--num-cpus', str(w))
        assert rc == 0, out[-3000:]
    row = next(r for r in csv.DictReader(open(INPUTS/'manifest.csv')) if r['name'] == 'walk')
    seen['run_wall_s'], _, _ = run_overhead(work/'run', 'walk', INPUTS/row['video'], row['prompt'], row['06_refine.iters'])
    p = batch(work/'seven.csv', work/'kill', '--num-cpus', '2', popen=True)
    seen['killed_pid'] = kill_in_stage03(p, work/'kill', 'seven', 'walk_pan')
    p.communicate(timeout=3600)
    seen.update(kill_rc=p.returncode, load_end=os.getloadavg()[0])
    (work/'measured.json').write_text(json.dumps(seen, indent=1))
    return seen

def analyse(work: Path, seen: dict) -> dict:
    "The results' metrics from the records the batches kept in `work` and what `measure` saw."
    names, m, runs = [r['name'] for r in csv.DictReader(open(INPUTS/'manifest.csv'))], {}, {}
    for w in (1, 2):
        runs[w] = outputs(work/f'w{w}', 'six')
        m[f'throughput_{w}w_per_min'] = round(len(names) / (runs[w][1]['wall_s'] / 60), 3)
        m[f'wall_s_{w}w'] = runs[w][1]['wall_s']
        m[f'ray_start_and_exit_s_{w}w'] = round(seen[f'total_s_{w}w'] - runs[w][1]['wall_s'], 1)
    m['speedup_2w_over_1w'] = round(m['throughput_2w_per_min'] / m['throughput_1w_per_min'], 3)
    m['workers_identical'] = int(identical(runs[1][0], runs[2][0], names))
    ov = ray_overhead(runs[1][1])
    m['ray_overhead_s_per_stage'], m['ray_overhead_s_per_stage_max'] = round(statistics.median(ov), 3), round(max(ov), 3)
    stamps = [json.loads(f.read_text())['seconds'] for f in DataLayout(work/'run').runs('walk').glob('*.stamp.json')]
    m['run_overhead_s_per_stage'] = round((seen['run_wall_s'] - sum(stamps)) / len(stamps), 3)
    m['run_walk_s'], m['batch_1w_walk_s'] = round(seen['run_wall_s'], 1), float(runs[1][0]['walk']['wall_s'])
    K, _ = outputs(work/'kill', 'seven')
    m['failed_as_expected'] = int(seen['kill_rc'] == 1 and K['broken']['status'] == 'failed' and 'readable video' in K['broken']['error']
                                  and all(K[n]['status'] == 'done' for n in names))
    m['killed_worker_identical'] = int(K['walk_pan']['retries'] == '1' and identical(runs[2][0], K, names))
    # the same up to the refinement's input (stages 02-05: 06's metrics of its input): tells a code change in stage 06 apart
    m['killed_worker_identical_before_refine'] = int(K['walk_pan']['retries'] == '1' and identical(runs[2][0], K, names, ('_before',), ('status',)))
    m['workers_identical_before_refine'] = int(identical(runs[1][0], runs[2][0], names, ('_before',), ('status',)))
    m['inputs'] = len(names)
    return m

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=str(RESULTS/'batch.json'))
    ap.add_argument('--from', dest='work', help="derive the results again from a run's kept folder (its records and measured.json); runs nothing")
    a = ap.parse_args()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='sam4d-bench-batch-'))
    seen = json.loads((work/'measured.json').read_text()) if a.work else measure(work)
    m = analyse(work, seen)
    gh, arithmetic = gpu_hours()
    m.update(gh)
    res = dict(name='batch', date=datetime.date.today().isoformat(),
               machine=f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, load average {seen['load_start']:.1f} -> {seen['load_end']:.1f}",
               command='python bench/batch.py' + (f' --from {work}' if a.work else ''), metrics=m,
               notes=f'{m["inputs"]} inputs of 16 frames 512x320 (bench/data/batch: speed, camera, clothing), stages 02-06 (--to 06), 30 refinement steps, '
                     f'a private local Ray instance with --num-cpus 1 or 2 (each stage a 1-CPU task; Ray sets OMP_NUM_THREADS=1); throughput over the '
                     f'batch wall time without the Ray start (ray_start_and_exit_s: start, results, shutdown). ray_overhead: per stage task of the '
                     f'1-worker batch, dispatch (from submission or from the worker coming free) + the task around run_stage + the result coming back; '
                     f'run_overhead: sam4d run wall less its stages own seconds, per stage. Killed: worker {seen["killed_pid"]} in stage 03 of '
                     f'walk_pan; compared with the 2-worker batch: status, stages ran, products hash, metrics before/after. Kept in {work}. '
                     f'GPU-hours on paper: {arithmetic}')
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    print(json.dumps(res, indent=1))

if __name__ == '__main__': main()
