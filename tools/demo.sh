#!/usr/bin/env bash
# The main job on the committed sample (grows as stages land; the pipeline issue turns it into `sam4d run`).
set -euo pipefail
cd "$(dirname "$0")/.."
S=.venv-sam3d/bin/sam4d
$S extract-frames --video data/sample/videos/walk.mp4 --output data/frames/walk
