"""Execute one notebook as the tests do (papermill, its kernel, flagged cells skipped); keep it in _proc/executed/.

Used by conftest.py, one child process per notebook: `python tools/execute_notebook.py NB [--flags "gpu"] [--timeout S]`."""
import argparse
from sam4d.docs import execute_like_tests

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('notebook')
    ap.add_argument('--flags', default='', help='test flags to run, e.g. "gpu weights slow"')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds per cell')
    a = ap.parse_args()
    execute_like_tests(a.notebook, a.flags.split(), a.timeout)
