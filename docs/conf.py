# Sphinx configuration of the documentation site. `sam4d docs` (sam4d.docs.build_site) copies this folder next to
# the pages it stages (executed notebooks, one API page per module) in _proc/docs/src and runs Sphinx there.
import importlib.util, re

project = 'sam4d'
copyright = 'sam4d developers'
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.mathjax']
exclude_patterns = ['_build', '**/.ipynb_checkpoints']
suppress_warnings = ['mystnb.unknown_mime_type', 'myst.header']   # notebooks skip heading levels

# notebooks: rendered from their executed copies, never executed here
nb_execution_mode = 'off'
nb_merge_streams = True
nb_ipywidgets_js = {}   # no CDN scripts: sam4d.docs adds require.js and the widget manager from _widget_assets/
myst_enable_extensions = ['dollarmath', 'colon_fence']
myst_heading_anchors = 3
myst_update_mathjax = False   # else myst edits the MathJax config at each build and Sphinx rewrites every page

# API pages: autodoc imports each module; what neither environment has in this process is mocked
# (the hunyuan modules import diffusers/transformers only inside functions, so this is a safety net)
autodoc_mock_imports = [m for m in ('diffusers', 'transformers', 'accelerate') if importlib.util.find_spec(m) is None]
autodoc_default_options = {'members': True, 'undoc-members': True, 'show-inheritance': True}
autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'
add_module_names = False

# offline: MathJax from _static (sam4d.docs.mathjax_assets), widget scripts pointed at _widget_assets/ after the
# build (sam4d.viz.html.localize_html_text); furo loads no web fonts
html_theme = 'furo'
html_title = 'sam4d'
html_static_path = ['_static']
mathjax_path = 'mathjax/tex-chtml.js'
mathjax_config_path = 'mathjax_config.js'
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_extra_path = ['_extra']    # each page's markdown twin (NAME.html.md) and the widget assets


def _md_to_rst(line):
    "A docstring line written in markdown (nbdev's style) as reST: `code` a literal (`Sequence4D`s too), markup characters escaped."
    return ''.join(f'\\ `{p}`\\ ' if p[:1] == '`' else re.sub(r'([\\*|_`])', r'\\\1', p) for p in re.split(r'(`[^`]+`)', line))


def _docstring(app, what, name, obj, options, lines):
    "Docstrings as reST; a module's `Docs: URL` line (nbdev's link to this site) dropped on the module's own API page."
    lines[:] = [_md_to_rst(l) for l in lines if not (what == 'module' and l.startswith('Docs: '))]


def setup(app):
    app.connect('autodoc-process-docstring', _docstring)
    app.add_css_file('sam4d.css')   # not html_css_files/html_js_files: Sphinx would see those as changed at every build
    app.add_js_file('sam4d.js')
