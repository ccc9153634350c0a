"""Write README.md from notebooks/index.ipynb (nbdev's own nbdev-readme needs Quarto, which cannot be installed
here): markdown cells verbatim, code cells fenced and followed by their output; a cell marked `#| output: asis`
(Quarto's directive) contributes only its printed markdown."""
import contextlib, io, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def main():
    nb = nbformat.read(ROOT/'notebooks'/'index.ipynb', as_version=4)
    parts, ns = [], {}
    for c in nb.cells:
        if c.cell_type == 'markdown': parts.append(c.source); continue
        if c.source.startswith('#| hide'): continue
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf): exec(compile(c.source, 'index.ipynb', 'exec'), ns)
        if c.source.startswith('#| output: asis'): parts.append(buf.getvalue().rstrip()); continue
        parts.append(f'```python\n{c.source}\n```')
        if buf.getvalue().strip(): parts.append(f'```\n{buf.getvalue().rstrip()}\n```')
    text = '<!-- generated from notebooks/index.ipynb by tools/build_readme.py: edit the notebook -->\n\n' + '\n\n'.join(parts) + '\n'
    (ROOT/'README.md').write_text(text)

if __name__ == '__main__': sys.exit(main())
