"""Run every sam4d test: the export check, each notebook in its own environment's kernel, and nbs_tests/.

`nbdev-test` runs notebooks in-process and so cannot switch environments; here every notebook is executed by
papermill in the kernel its `metadata.kernelspec.name` names (`sam4d-sam3d` -> .venv-sam3d, `sam4d-hunyuan` ->
.venv-hunyuan), with nbdev's test semantics: cells flagged with a `tst_flags` flag (`#| gpu`, `#| weights`,
`#| slow`) or `#| eval: false` are skipped unless the flag is passed with --flags. The executed notebooks are
kept in _proc/executed/ (with a hash of their source) and the documentation build reuses them
(`sam4d.docs.execute_like_tests` does the executing). Ends with `N passed, N failed`."""
import argparse, hashlib, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from sam4d.docs import kernel_of

ROOT = Path(__file__).resolve().parents[1]
VENVS = {'sam4d-sam3d': ROOT/'.venv-sam3d', 'sam4d-hunyuan': ROOT/'.venv-hunyuan'}
WATCHED = ('sam4d', 'notebooks', 'nbs_tests', 'README.md')

def snapshot():
    "Hash of every file under the folders that nbdev-export and nbdev-clean may change."
    h = {}
    for d in WATCHED:
        for p in sorted((ROOT/d).rglob('*')) if (ROOT/d).is_dir() else [ROOT/d]:
            if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts:
                h[str(p.relative_to(ROOT))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return h

def check_export():
    "nbdev-clean, nbdev-export and the README build must change nothing: the package is what the notebooks export."
    before = snapshot()
    bin_ = VENVS['sam4d-sam3d']/'bin'
    for cmd in ([str(bin_/'nbdev-clean')], [str(bin_/'nbdev-export')], [str(bin_/'python'), 'tools/build_readme.py']):
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode: return False, f'{" ".join(cmd)} failed:\n{r.stdout}{r.stderr}'
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed: return False, 'nbdev-clean/nbdev-export/tools/build_readme.py changed files (run `make export` and commit):\n  ' + '\n  '.join(changed)
    return True, ''

def run_notebook(nb: Path, flags: list, timeout: int):
    "Execute one notebook in a child process (papermill's event loop stays out of the runner's threads)."
    if kernel_of(nb) not in VENVS: return False, f'unknown kernel {kernel_of(nb)!r}: use sam4d-sam3d or sam4d-hunyuan'
    cmd = [sys.executable, __file__, '--execute-one', str(nb), '--flags', ' '.join(flags), '--timeout', str(timeout)]
    try: r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout + 120)
    except subprocess.TimeoutExpired: return False, f'timed out after {timeout} s'
    log = r.stdout + r.stderr
    log = '\n'.join(l for l in log.splitlines() if 'Kernel is running over TCP' not in l)
    return r.returncode == 0, log[-8000:]

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--flags', default=os.environ.get('FLAGS', ''), help='test flags to run, e.g. "gpu weights slow"')
    ap.add_argument('--only', default='', help='run only tests whose path contains this text')
    ap.add_argument('-j', '--jobs', type=int, default=2, help='notebooks executed in parallel')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds per cell')
    ap.add_argument('--execute-one', help=argparse.SUPPRESS)
    a = ap.parse_args()
    flags = a.flags.split()
    if a.execute_one:
        from sam4d.docs import execute_like_tests   # papermill and nbformat load only in the child
        execute_like_tests(a.execute_one, flags, a.timeout); return 0
    results = []
    def record(name, ok, log, dt):
        results.append((name, ok))
        print(f"{'PASS' if ok else 'FAIL'}  {name}  ({dt:.1f} s)", flush=True)
        if not ok: print('    ' + log.strip().replace('\n', '\n    '), flush=True)

    if not a.only:
        t = time.time(); ok, log = check_export(); record('export: nbdev-clean + nbdev-export leave the tree unchanged', ok, log, time.time() - t)
    def job(nb):
        t = time.time(); ok, log = run_notebook(nb, flags, a.timeout); return nb, ok, log, time.time() - t
    nbs = sorted(p for p in (ROOT/'notebooks').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts and a.only in str(p))
    with ThreadPoolExecutor(a.jobs) as pool:
        for nb, ok, log, dt in pool.map(job, nbs): record(f'{nb.relative_to(ROOT)} [{kernel_of(nb)}]', ok, log, dt)
    for nb in sorted(p for p in (ROOT/'nbs_tests').glob('*.ipynb') if a.only in str(p)):   # after the notebooks: they may use their outputs
        _, ok, log, dt = job(nb); record(f'{nb.relative_to(ROOT)} [{kernel_of(nb)}]', ok, log, dt)
    npass = sum(ok for _, ok in results); nfail = len(results) - npass
    if nfail: print('failed: ' + ', '.join(n for n, ok in results if not ok))
    print(f'{npass} passed, {nfail} failed')
    return 1 if nfail or not results else 0

if __name__ == '__main__': sys.exit(main())
