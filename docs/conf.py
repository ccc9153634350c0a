# Sphinx configuration of the documentation site. `sam4d docs` (sam4d.docs.build_site) copies this folder next to
# the pages it stages (executed notebooks, one API page per module) in _proc/docs/src and runs Sphinx there.
import importlib.util

project = 'sam4d'
copyright = 'sam4d developers'
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.mathjax']
exclude_patterns = ['_build', '**/.ipynb_checkpoints']
suppress_warnings = ['mystnb.unknown_mime_type', 'myst.header', 'myst.xref_missing', 'misc.highlighting_failure']

# notebooks: rendered from their executed copies, never executed here
nb_execution_mode = 'off'
nb_merge_streams = True
nb_ipywidgets_js = {}   # no CDN scripts: sam4d.docs adds require.js and the widget manager from _widget_assets/
myst_enable_extensions = ['dollarmath', 'colon_fence']
myst_heading_anchors = 3

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
html_css_files = ['sam4d.css']
html_js_files = ['sam4d.js']
mathjax_path = 'mathjax/tex-chtml.js'
mathjax_config_path = 'mathjax_config.js'
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_extra_path = ['_extra']    # each page's markdown twin (NAME.html.md) and the widget assets


def _drop_docs_line(app, what, name, obj, options, lines):
    "A module's `Docs: URL` line (nbdev's link to this site) says nothing on the module's own API page."
    if what == 'module': lines[:] = [l for l in lines if not l.startswith('Docs: ')]


def setup(app):
    app.connect('autodoc-process-docstring', _drop_docs_line)
