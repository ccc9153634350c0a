"""Run the tests with pytest (see conftest.py); kept for its short options: `python tools/run_tests.py --only 05a`.

--only TEXT selects tests whose name contains TEXT (pytest -k), --flags "gpu slow" runs flagged cells too, -j N runs N
notebooks at once (pytest-xdist). Any other argument goes to pytest unchanged."""
import argparse, os, subprocess, sys
from pathlib import Path

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--only', default='')
    ap.add_argument('--flags', default=os.environ.get('FLAGS', ''))
    ap.add_argument('-j', '--jobs', type=int, default=1 if '--only' in sys.argv else 2)
    a, rest = ap.parse_known_args()
    cmd = [sys.executable, '-m', 'pytest', '--flags', a.flags, *(['-k', a.only] if a.only else []),
           *(['-n', str(a.jobs), '--dist', 'loadgroup'] if a.jobs > 1 else []), *rest]
    sys.exit(subprocess.call(cmd, cwd=Path(__file__).resolve().parents[1]))
