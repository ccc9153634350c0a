"""Run a notebook's code cells in this Python process, without Jupyter: for machines that lack it (the lent GPU).

nbdev's test semantics: cells flagged `#| <flag>` (gpu, weights, slow) run only when the flag is given, `#| eval: false`
cells never. Every cell runs even after a failure (`--stop` stops at the first); the exit status counts the failures.

    PYTHONPATH=. python3 tools/run_cells.py nbs_tests/sam3d_body_real.ipynb --flags gpu
"""
import argparse, json, re, sys, time, traceback

FLAGS = ('gpu', 'weights', 'slow')

def runnable(src: str, flags) -> bool:
    "Whether a cell runs under `flags`."
    if re.search(r'^#\|\s*eval:\s*false', src, re.M): return False
    return all(f in flags for f in FLAGS if re.search(rf'^#\|\s*{f}\b', src, re.M))

def run(path, flags=(), stop=False) -> int:
    "Execute the runnable code cells of notebook `path` in one namespace; the number of cells that failed."
    cells = [''.join(c['source']) for c in json.load(open(path))['cells'] if c['cell_type'] == 'code']
    ns, failed = {'__name__': '__main__'}, 0
    for i, src in enumerate(cells):
        if not runnable(src, flags): continue
        t0 = time.perf_counter()
        try: exec(compile(src, f'{path}[cell {i}]', 'exec'), ns)
        except Exception:
            failed += 1
            print(f'--- cell {i} FAILED:\n{src}\n', file=sys.stderr); traceback.print_exc()
            if stop: break
        print(f'--- cell {i}: {time.perf_counter() - t0:.1f} s', flush=True)
    return failed

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebook')
    ap.add_argument('--flags', default='', help='test flags to run, e.g. "gpu"')
    ap.add_argument('--stop', action='store_true', help='stop at the first failing cell')
    a = ap.parse_args()
    n = run(a.notebook, a.flags.split(), a.stop)
    print(f'{a.notebook}: {n} cell(s) failed' if n else f'{a.notebook}: all cells passed')
    sys.exit(min(n, 1))
