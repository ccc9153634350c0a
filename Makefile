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

docs: setup
	.venv-sam3d/bin/sam4d docs

test: setup
	.venv-sam3d/bin/python tools/run_tests.py --flags "$(FLAGS)"

bench-frames: setup
	.venv-sam3d/bin/python bench/frames.py
