"""pytest collects every notebook as one test item, executed by papermill in the kernel its metadata names.

`nbdev-test` runs notebooks in-process and cannot switch environments; here each notebook runs in a child process
(`sam4d.docs.execute_like_tests`) in the kernel of its environment (`sam4d-sam3d` or `sam4d-hunyuan`), with nbdev's
test semantics: cells flagged with a `tst_flags` flag (`#| gpu`, `#| weights`, `#| slow`) or `#| eval: false` are
skipped unless the flag is given (`--flags "gpu slow"` or FLAGS=...). Each flag a notebook uses is also a pytest
marker of its item (`-m "not gpu"`), and `-k`, `-x`, `--lf`, `--junitxml` work as usual. Executed copies are kept in
`_proc/executed/` and the documentation build reuses them. Integration notebooks (`nbs_tests/`) run after the
source notebooks, one at a time (one xdist group): they may use what the others wrote."""
import os, re, subprocess, sys, time, uuid
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent
NOTEBOOK_DIRS = ('notebooks', 'nbs_tests')
TST_FLAGS = ('gpu', 'weights', 'slow')
AFTER_ALL_NOTEBOOKS = ('docs_site.ipynb',)   # builds the site from the executed copies of every source notebook

def pytest_addoption(parser):
    parser.addoption('--flags', default=os.environ.get('FLAGS', ''), help='nbdev test flags to run, e.g. "gpu weights slow"')
    parser.addoption('--cell-timeout', type=int, default=1200, help='seconds per notebook cell')

def pytest_configure(config):
    # one id for the whole run, shared by xdist's workers: where finished source notebooks are marked
    uid = config.workerinput['testrunuid'] if hasattr(config, 'workerinput') else uuid.uuid4().hex
    config.sam4d_done = ROOT/'_proc'/'test_done'/uid
    for f in TST_FLAGS: config.addinivalue_line('markers', f'{f}: the notebook has cells flagged #| {f} (skipped unless --flags {f})')
    config.addinivalue_line('markers', 'sam4d_sam3d: runs in the sam4d-sam3d kernel')
    config.addinivalue_line('markers', 'sam4d_hunyuan: runs in the sam4d-hunyuan kernel')

def pytest_collect_file(parent, file_path):
    if file_path.suffix == '.ipynb' and file_path.parent.name in NOTEBOOK_DIRS and file_path.parent.parent == ROOT:
        return NotebookFile.from_parent(parent, path=file_path)

def notebook_flags(text: str) -> list:
    "The nbdev test flags that cells of a notebook (its JSON text) carry."
    return [f for f in TST_FLAGS if re.search(rf'#\|\s*{f}\b', text)]

class NotebookFile(pytest.File):
    def collect(self):
        from sam4d.docs import kernel_of
        item = NotebookItem.from_parent(self, name=self.path.name)
        kernel = kernel_of(self.path)
        item.kernel = kernel
        for f in notebook_flags(self.path.read_text()): item.add_marker(f)
        item.add_marker(kernel.replace('-', '_'))
        if self.path.parent.name == 'nbs_tests': item.add_marker(pytest.mark.xdist_group('integration'))
        yield item

class NotebookFailed(Exception): pass

def wait_for_sources(config, items_needed, timeout_s=3600):
    "Block until every source notebook of this run has finished (pass or fail) in any worker."
    t0 = time.time()
    while time.time() - t0 < timeout_s:
        if all((config.sam4d_done/n).exists() for n in items_needed): return
        time.sleep(5)

class NotebookItem(pytest.Item):
    def runtest(self):
        cfg = self.config
        if self.path.name in AFTER_ALL_NOTEBOOKS: wait_for_sources(cfg, getattr(cfg, 'sam4d_sources', []))
        try: self._execute(cfg)
        finally:
            if self.path.parent.name == 'notebooks':
                cfg.sam4d_done.mkdir(parents=True, exist_ok=True); (cfg.sam4d_done/self.path.name).touch()

    def _execute(self, cfg):
        cmd = [sys.executable, str(ROOT/'tools'/'execute_notebook.py'), str(self.path), '--flags', cfg.getoption('--flags'),
               '--timeout', str(cfg.getoption('--cell-timeout'))]
        # a child process per notebook: papermill's event loop stays out of pytest's (and xdist's) threads
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode: raise NotebookFailed((r.stdout + r.stderr)[-8000:])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookFailed): return f'{self.path.relative_to(ROOT)} failed:\n{excinfo.value}'
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f'{self.path.relative_to(ROOT)} [{self.kernel}]'

def pytest_collection_modifyitems(session, config, items):
    "Structure tests, source notebooks (in their order), then nbs_tests, the docs site last."
    rank = lambda it: (0 if it.path.parent.name == 'notebooks' else 1 if it.path.parent.name == 'nbs_tests' else -1,
                       it.path.name in AFTER_ALL_NOTEBOOKS, str(it.path))
    items.sort(key=rank)

def pytest_collection_finish(session):
    "The source notebooks this run executes (after -k/-m selection): what AFTER_ALL_NOTEBOOKS wait for."
    session.config.sam4d_sources = [it.path.name for it in session.items if isinstance(it, NotebookItem) and it.path.parent.name == 'notebooks']

def pytest_terminal_summary(terminalreporter):
    "The layout figures (tools/check_layout.py) under the results."
    sys.path.insert(0, str(ROOT/'tools'))
    import statistics, check_layout as L
    nbs = L.notebooks(); lengths = L.export_cell_lengths(nbs)
    worst = max(lengths)
    terminalreporter.write_line(f'layout: {len(L.package_graph())} modules, {len(nbs)} notebooks, exported cells median '
                                f'{statistics.median(n for n, _, _ in lengths):g} lines, max {worst[0]} ({worst[1]})')
