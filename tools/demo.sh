#!/usr/bin/env bash
# The main job on the committed sample: the whole chain (frames, reconstruction, 4D build, metrics, refinement,
# report) through papermill, each stage in its kernel. Video generation (stage 01) needs the HunyuanVideo-I2V
# weights, so the demo starts from the sample's video; with weights: sam4d run IMAGE PROMPT --name NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
.venv-sam3d/bin/sam4d run --video data/sample/videos/walk.mp4 --name walk "$@"
echo "main job: $(( $(date +%s) - start )) s"
