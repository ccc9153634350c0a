#!/usr/bin/env bash
# Build the two environments as virtualenvs (no conda needed), install sam4d editable in both, register the
# kernels sam4d-hunyuan and sam4d-sam3d. Idempotent: an environment is rebuilt only when its pip list or
# pyproject.toml changed (a stamp file holds their hash), so a second run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
pip_in() {  # $1 = venv, rest = pip install arguments; the log is shown only when pip fails
  local venv=$1; shift
  local log; log=$(mktemp)
  if ! "$venv/bin/python" -m pip install -q "$@" >"$log" 2>&1; then
    grep -v 'is ignored: it is neither a file nor a directory' "$log"; rm -f "$log"
    echo "[setup] pip install $* failed in $venv (see above)"; exit 1
  fi
  rm -f "$log"
}

build_env() {  # $1 = sam3d | hunyuan
  local env=$1 venv=.venv-$1 req=env/requirements-$1.txt
  local want; want=$(cat "$req" pyproject.toml | sha256sum | cut -c1-16)
  if [ -f "$venv/.sam4d-stamp" ] && [ "$(cat "$venv/.sam4d-stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    echo "[setup] $venv is up to date"; return
  fi
  echo "[setup] building $venv from $req"
  [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
  # torch first, pinned: a range would pull the multi-GB CUDA build from PyPI (conda users get CUDA torch instead).
  pip_in "$venv" "$(grep -E '^torch==' "$req")"
  pip_in "$venv" -r "$req"
  pip_in "$venv" --no-deps -e .
  echo "$want" > "$venv/.sam4d-stamp"
}

register_kernel() {  # $1 = sam3d | hunyuan
  local venv=.venv-$1 name=sam4d-$1
  local spec="$HOME/.local/share/jupyter/kernels/$name/kernel.json"
  # the quoted full path: another checkout's (/x/work/main/...) must not match as a substring
  if [ -f "$spec" ] && grep -qF "\"$(pwd)/$venv/bin/python\"" "$spec"; then return; fi
  "$venv/bin/python" -m ipykernel install --user --name "$name" --display-name "sam4d ($1)" >/dev/null
  echo "[setup] registered kernel $name -> $venv"
}

for e in sam3d hunyuan; do build_env $e; register_kernel $e; done

# The browser checks (viz, docs) drive Debian's chromium through Playwright; never a downloaded browser.
if [ ! -x "${SAM4D_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] installing Debian chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/sam4d-apt.log 2>&1 \
      || { tail -20 /tmp/sam4d-apt.log; echo "[setup] apt-get install chromium failed"; exit 1; }
  else
    echo "[setup] warning: no chromium at ${SAM4D_CHROMIUM:-/usr/bin/chromium}; install Debian's chromium for the browser tests"
  fi
fi
