"""Structural check of the sam4d layout: run `python tools/check_layout.py` (also part of `make test`).

- No import cycles between sam4d modules, counting imports inside functions too (a lazy import still makes a cycle).
- The runtime package never imports `sam4d.testing` (test stand-ins live there and nowhere else).
- Every notebook sorts after the notebooks whose modules it imports (any cell: tests and demos count too).
- Exported cells are small: prints the median and maximum length (lines) and fails above the limits.
Prints its figures, then `N passed, N failed` over the checks; exits 1 when a check fails."""
import ast, json, re, statistics, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG, NBS = ROOT/'sam4d', ROOT/'notebooks'
MAX_MEDIAN, MAX_CELL = 15, 60

def module_name(path: Path) -> str:
    "Dotted module name of a file of the package."
    parts = path.relative_to(ROOT).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)

def resolve(mod: str, node: ast.ImportFrom) -> str:
    "The absolute module an ImportFrom names (relative imports resolved against `mod`)."
    if not node.level: return node.module or ''
    base = mod.split('.')[:-node.level] if not mod.endswith('__init__') else mod.split('.')[:-node.level + 1]
    return '.'.join(base + ([node.module] if node.module else []))

def imported(tree, mod: str, known: set) -> set:
    "sam4d modules imported anywhere in `tree` (top level or inside functions); `from pkg import sub` counts sub."
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import): names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            base = resolve(mod, n)
            names = [base] + [f'{base}.{a.name}' for a in n.names]
        else: continue
        for name in names:
            while name and name not in known: name = name.rpartition('.')[0]
            if name and name != 'sam4d' and name != mod: out.add(name)
    return out

def package_graph() -> dict:
    "Module -> set of sam4d modules it imports."
    files = {module_name(p): p for p in PKG.rglob('*.py') if p.name != '_modidx.py'}
    known = set(files)
    return {m: imported(ast.parse(p.read_text()), m, known) for m, p in files.items()}

def find_cycles(graph: dict) -> list:
    "Every strongly connected group of more than one module (Tarjan), each as a sorted list."
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index: visit(v)
    return out

def notebooks() -> list:
    "(path, module it exports or None, cells) for every source notebook, in sorted order."
    out = []
    for p in sorted(NBS.glob('*.ipynb')):
        cells = json.loads(p.read_text())['cells']
        mod = next((m.group(1) for c in cells for m in [re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))] if m), None)
        out.append((p, f'sam4d.{mod}' if mod else None, cells))
    return out

def cell_imports(cells, known: set) -> set:
    "sam4d modules the code cells of a notebook import."
    out = set()
    for c in cells:
        if c['cell_type'] != 'code': continue
        src = '\n'.join(l for l in ''.join(c['source']).splitlines() if not l.lstrip().startswith(('%', '!')))
        try: tree = ast.parse(src)
        except SyntaxError: continue
        out |= imported(tree, '', known)
    return out

def export_cell_lengths(nbs) -> list:
    "(lines, notebook, first line) of every exported code cell except the imports cell."
    out = []
    for p, mod, cells in nbs:
        for c in cells:
            s = ''.join(c['source'])
            if c['cell_type'] != 'code' or not re.match(r'#\|\s*exports?\s*$', s.splitlines()[0] if s else ''): continue
            body = [l for l in s.splitlines()[1:] if l.strip()]
            if all(l.startswith(('import ', 'from ')) for l in body): continue     # the imports cell
            out.append((len(body), p.name, body[0][:60] if body else ''))
    return out

def main() -> int:
    graph = package_graph()
    results = []
    cycles = find_cycles(graph)
    results.append(('no import cycles', not cycles, '; '.join(' <-> '.join(c) for c in cycles)))
    runtime = {m: d for m, d in graph.items() if not m.startswith('sam4d.testing')}
    bad = sorted(f'{m} -> {t}' for m, d in runtime.items() for t in d if t.startswith('sam4d.testing'))
    results.append(('runtime modules never import sam4d.testing', not bad, ', '.join(bad)))
    nbs = notebooks()
    owner = {mod: p.name for p, mod, _ in nbs if mod}
    order = {p.name: i for i, (p, _, _) in enumerate(nbs)}
    late = []
    for p, mod, cells in nbs:
        for dep in sorted(cell_imports(cells, set(graph))):
            src = owner.get(dep)
            if src and src != p.name and order[src] > order[p.name]: late.append(f'{p.name} imports {dep} ({src} sorts after it)')
    results.append(('every notebook sorts after the notebooks it imports', not late, '\n    '.join(late)))
    lengths = export_cell_lengths(nbs)
    med, worst = statistics.median(l for l, _, _ in lengths), max(lengths)
    print(f'modules: {len(graph)}, notebooks: {len(nbs)}, exported cells: {len(lengths)}, '
          f'median {med:g} lines, max {worst[0]} ({worst[1]}: {worst[2]})')
    long = sorted((l, f, s) for l, f, s in lengths if l > MAX_CELL)
    results.append((f'median exported cell <= {MAX_MEDIAN} lines', med <= MAX_MEDIAN, f'median {med:g}'))
    results.append((f'no exported cell over {MAX_CELL} lines', not long, '\n    '.join(f'{l} lines: {f}: {s}' for l, f, s in long)))
    for name, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + ('' if ok or not detail else f'\n    {detail}'))
    nfail = sum(not ok for _, ok, _ in results)
    print(f'{len(results) - nfail} passed, {nfail} failed')
    return 1 if nfail else 0

if __name__ == '__main__':
    sys.exit(main())
