"""Structure of the project: the package is what the notebooks export, the layout reads like the pipeline.

The checks themselves live in tools/check_layout.py (which also prints the figures); each is one test here."""
import hashlib, importlib, json, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import check_layout as L

WATCHED = ('sam4d', 'notebooks', 'nbs_tests', 'README.md', 'bench/README.md')

def snapshot() -> dict:
    "Hash of every file that nbdev-export, nbdev-clean and the README build may change."
    out = {}
    for d in WATCHED:
        for p in sorted((ROOT/d).rglob('*')) if (ROOT/d).is_dir() else [ROOT/d]:
            if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts:
                out[str(p.relative_to(ROOT))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out

def test_export_leaves_tree_unchanged():
    "nbdev-clean, nbdev-export and the README build change nothing: the package is what the notebooks export."
    before, bin_ = snapshot(), Path(sys.executable).parent
    for cmd in ([str(bin_/'nbdev-clean')], [str(bin_/'nbdev-export')], [sys.executable, 'tools/build_readme.py']):
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, f'{" ".join(cmd)} failed:\n{r.stdout}{r.stderr}'
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, 'run `make export` and commit; changed: ' + ', '.join(changed)

def test_no_import_cycles():
    assert L.find_cycles(L.package_graph()) == []

def test_cycle_check_finds_a_cycle():
    "The cycle finder is not vacuous: a lazy import inside a function closes a cycle too."
    assert L.find_cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]

def test_runtime_never_imports_testing():
    "Importing every runtime module loads nothing from sam4d.testing (checked in a fresh interpreter)."
    mods = sorted(m for m in L.package_graph() if not m.startswith('sam4d.testing') and not m.endswith('_modidx'))
    # modules of the other environment may not import here (e.g. diffusers); what imports must not pull sam4d.testing
    code = ('import importlib, sys\n'
            f'for m in {mods!r}:\n'
            '    try: importlib.import_module(m)\n'
            '    except ModuleNotFoundError as e:\n'
            "        if (e.name or '').startswith('sam4d'): raise\n"
            "print([m for m in sys.modules if m.startswith('sam4d.testing')])")
    r = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == '[]', r.stdout

def test_notebooks_sort_after_what_they_import():
    nbs = L.notebooks(); graph = L.package_graph()
    owner = {mod: p.name for p, mod, _ in nbs if mod}
    order = {p.name: i for i, (p, _, _) in enumerate(nbs)}
    late = [f'{p.name} imports {d}' for p, _, cells in nbs for d in L.cell_imports(cells, set(graph))
            if d in owner and order[owner[d]] > order[p.name]]
    assert not late, late

def test_index_maps_every_module():
    "The README (built from the index notebook) maps every exported module to its notebook."
    text = (ROOT/'README.md').read_text()
    missing = [f'{mod} ({p.name})' for p, mod, _ in L.notebooks() if mod and not (f'`{mod}`' in text and p.stem in text)]
    assert not missing, missing

def test_exported_cells_are_small():
    lengths = L.export_cell_lengths(L.notebooks())
    import statistics
    assert statistics.median(n for n, _, _ in lengths) <= L.MAX_MEDIAN
    assert not [x for x in lengths if x[0] > L.MAX_CELL], sorted(x for x in lengths if x[0] > L.MAX_CELL)

def test_stage_runs_define_their_names():
    "What `sam4d run` executes of a stage notebook (module code + stage section) uses no name that only the tests define."
    import re, tempfile
    from sam4d.pipeline import sam4d_stages, stage_notebook
    bad = {}
    for st in sam4d_stages():
        src = '\n\n'.join(c.source for c in stage_notebook(st.notebook).cells if c.cell_type == 'code')
        src = '\n'.join('pass' if l.lstrip().startswith(('%', '!')) else l for l in src.split('\n'))
        with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f: f.write(src)
        out = subprocess.run([sys.executable, '-m', 'pyflakes', f.name], capture_output=True, text=True).stdout
        names = sorted({m.group(1) for m in re.finditer(r"undefined name '(\w+)'", out)})
        if names: bad[st.notebook.name] = names
    assert not bad, bad
