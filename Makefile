# sam4d: `make demo` runs the main job on the committed sample, `make test` runs every test.
# Each target does its own set-up first (idempotent, quick when nothing changed).
SHELL := /bin/bash
FLAGS ?=

.PHONY: setup export demo test docs bench-frames

setup:
	bash tools/setup.sh

export: setup
	.venv-sam3d/bin/nbdev-export && .venv-sam3d/bin/nbdev-clean && .venv-sam3d/bin/python tools/build_readme.py

demo: setup
	bash tools/demo.sh

# The documentation site in _site/ (Sphinx: notebook pages with their outputs, API pages, search; offline). Reuses the
# notebooks `make test` executed (_proc/executed/); open _site/index.html, or `.venv-sam3d/bin/sam4d docs --serve`.
docs: setup
	.venv-sam3d/bin/sam4d docs

# pytest (conftest.py): structure tests, each notebook in its own kernel, then nbs_tests/; 2 at a time.
# Pass pytest options through PYTEST, e.g. make test PYTEST="-k 05a -x"; flagged cells run with FLAGS="gpu slow".
test: setup
	.venv-sam3d/bin/python -m pytest -n 2 --dist loadgroup --flags "$(FLAGS)" $(PYTEST)

bench-frames: setup
	.venv-sam3d/bin/python bench/frames.py

# Ground truth on real motion (issue 15): CMU captures retargeted onto Anny, rendered, run through the chain and scored
# beside filter baselines; writes bench/results/truth.{json,md,png}. Long (hours on 2 cores); SMALL=1 runs the small part
# (one 3 s clip) into truth_ci.*. Needs ../shared/mocap (or SAM4D_MOCAP).
bench-truth: setup
	.venv-sam3d/bin/python bench/truth.py $(if $(SMALL),--ci,)
