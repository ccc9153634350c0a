"""Run every sam4d test: the export check, each notebook under its own environment's python, and nbs_tests/.

`nbdev-test` runs notebooks in-process, so it does not switch kernels: each notebook is tested by the
`nbdev-test` of the virtualenv that its `metadata.kernelspec.name` names. Integration notebooks in nbs_tests/
run through papermill in their kernel, as a pipeline run would. Ends with `N passed, N failed`."""
import argparse, hashlib, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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

def kernel_of(nb: Path) -> str:
    return json.loads(nb.read_text())['metadata'].get('kernelspec', {}).get('name', 'sam4d-sam3d')

def run_notebook_test(nb: Path, flags: str, timeout: int):
    "Test one source notebook with the nbdev-test of its kernel's virtualenv."
    venv = VENVS.get(kernel_of(nb))
    if venv is None: return False, f'unknown kernel {kernel_of(nb)!r} in {nb}'
    cmd = [str(venv/'bin'/'nbdev-test'), str(nb)] + (['--flags', flags] if flags else [])
    try: r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: return False, f'timed out after {timeout} s'
    return r.returncode == 0, (r.stdout + r.stderr)[-6000:]

def run_integration(nb: Path, timeout: int):
    "Execute an nbs_tests notebook with papermill in the kernel its metadata names."
    out = ROOT/'.test-output'/nb.name
    out.parent.mkdir(exist_ok=True)
    cmd = [str(VENVS['sam4d-sam3d']/'bin'/'papermill'), str(nb), str(out), '--cwd', str(nb.parent),
           '--execution-timeout', str(timeout), '--no-progress-bar']
    try: r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout + 60)
    except subprocess.TimeoutExpired: return False, f'timed out after {timeout} s'
    return r.returncode == 0, (r.stdout + r.stderr)[-6000:]

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--flags', default=os.environ.get('FLAGS', ''), help='nbdev test flags to run, e.g. "gpu weights slow"')
    ap.add_argument('--only', default='', help='run only tests whose path contains this text')
    ap.add_argument('-j', '--jobs', type=int, default=2, help='notebooks tested in parallel')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds per notebook')
    a = ap.parse_args()
    results = []
    def record(name, ok, log, dt):
        results.append((name, ok))
        print(f"{'PASS' if ok else 'FAIL'}  {name}  ({dt:.1f} s)", flush=True)
        if not ok: print('    ' + log.strip().replace('\n', '\n    '), flush=True)

    if not a.only:
        t = time.time(); ok, log = check_export(); record('export: nbdev-clean + nbdev-export leave the tree unchanged', ok, log, time.time() - t)
    nbs = sorted(p for p in (ROOT/'notebooks').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts and a.only in str(p))
    def job(nb):
        t = time.time(); ok, log = run_notebook_test(nb, a.flags, a.timeout); return nb, ok, log, time.time() - t
    with ThreadPoolExecutor(a.jobs) as pool:
        for nb, ok, log, dt in pool.map(job, nbs):
            record(f'{nb.relative_to(ROOT)} [{kernel_of(nb)}]', ok, log, dt)
    for nb in sorted(p for p in (ROOT/'nbs_tests').glob('*.ipynb') if a.only in str(p)):
        t = time.time(); ok, log = run_integration(nb, a.timeout)
        record(f'{nb.relative_to(ROOT)} [papermill, {kernel_of(nb)}]', ok, log, time.time() - t)
    npass = sum(ok for _, ok in results); nfail = len(results) - npass
    if nfail: print('failed: ' + ', '.join(n for n, ok in results if not ok))
    print(f'{npass} passed, {nfail} failed')
    return 1 if nfail or not results else 0

if __name__ == '__main__': sys.exit(main())
