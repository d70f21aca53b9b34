#!/usr/bin/env bash
# Builds the GPU kit on THIS machine (run from the repository root): `.carry/` (Node, the speed bench as one file, Dawn
# for Node) and `.gl/` (the Vulkan loader and GL libraries as Debian packages). Both are ignored folders that travel
# with the device tool's `carry`. Afterwards it prints the exact `run` call. See scripts/gpu/README.md.
set -euo pipefail

root=$(git rev-parse --show-toplevel)
cd "$root"
limit_mib=60

# 1. Never commit or ship the kit by accident: ignored here, carried explicitly.
exclude=.git/info/exclude
mkdir -p "$(dirname "$exclude")"
touch "$exclude"
for pattern in /.carry/ /.gl/; do
  grep -qxF "$pattern" "$exclude" || echo "$pattern" >>"$exclude"
done

for tool in node xz npx; do
  command -v "$tool" >/dev/null || { echo "prepare: '$tool' is needed here" >&2; exit 1; }
done
[ -x node_modules/.bin/esbuild ] || { echo "prepare: node_modules/.bin/esbuild is missing (npm install)" >&2; exit 1; }
dawn_src=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn_src" ] || { echo "prepare: $dawn_src is missing (optional package 'webgpu' not installed)" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "prepare: this machine is $(uname -m); the device is x86-64" >&2; exit 1; }

# 2. .carry/, rebuilt so nothing stale travels; only the two compressed binaries are kept when their sources are
# unchanged (compressing Node takes a minute or more), as recorded in a stamp beside each.
node_bin=$(readlink -f "$(command -v node)")
stamp() { echo "$1 $(stat -c '%s %Y' "$1")"; }
compress() { # compress SOURCE TARGET: xz SOURCE into TARGET unless TARGET.stamp says it is already that source
  if [ -f "$2" ] && [ "$(cat "$2.stamp" 2>/dev/null)" = "$(stamp "$1")" ]; then
    echo "prepare: $2 is up to date"
  else
    echo "prepare: $1 -> $2"
    xz -T2 -6 -c "$1" >"$2.tmp" && mv "$2.tmp" "$2"
    stamp "$1" >"$2.stamp"
  fi
}
mkdir -p .carry
find .carry -mindepth 1 -maxdepth 1 ! -name 'node.xz*' ! -name 'dawn.node.xz*' -exec rm -rf {} +
mkdir -p .carry/node_modules/webgpu/dist/linux-x64

echo "prepare: node $(node --version)"
compress "$node_bin" .carry/node.xz

echo "prepare: bench/speed.bench.ts -> .carry/bench.mjs"
# The banner gives the ESM bundle what bundled CommonJS code expects: require (GPU.md), and __dirname/__filename,
# which the wasm backend's Emscripten loader reads on Node (without them tf.setBackend('wasm') fails and the bench
# silently falls back to cpu).
banner="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
banner+=" import { fileURLToPath as __f2p } from 'url'; import { dirname as __dn } from 'path';"
banner+=" const __filename = __f2p(import.meta.url); const __dirname = __dn(__filename);"
npx esbuild bench/speed.bench.ts --bundle --platform=node --format=esm --external:webgpu --log-level=warning \
  --outfile=.carry/bench.mjs "--banner:js=$banner"
node --check .carry/bench.mjs

echo "prepare: Dawn for Node ($(node -p "require('./node_modules/webgpu/package.json').version")) -> .carry/node_modules/webgpu"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .carry/node_modules/webgpu/
compress "$dawn_src" .carry/dawn.node.xz

# The bundle resolves the wasm backend's .wasm files from beside itself (src-main/engine/backend.ts: setWasmPaths
# from require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), so the wasm backend also works from .carry
# (about 1.2 MB; the device run only needs webgpu, but this lets the kit be checked here).
wasm_dir=.carry/node_modules/@tensorflow/tfjs-backend-wasm
mkdir -p "$wasm_dir/dist"
cp node_modules/@tensorflow/tfjs-backend-wasm/package.json "$wasm_dir/"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$wasm_dir/dist/"

# 3. .gl/: the Vulkan loader (libvulkan1) and GL dispatch libraries, downloaded once.
if ! compgen -G '.gl/*.deb' >/dev/null; then
  echo "prepare: downloading the .gl packages (Debian mirrors)"
  mkdir -p .gl /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update >/dev/null
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
compgen -G '.gl/libvulkan1_*.deb' >/dev/null || { echo "prepare: .gl has no libvulkan1 package" >&2; exit 1; }

# 4. Sizes: carried folders plus the working tree that travels, against the device tool's 64 MiB.
ls -l .carry .carry/node_modules/webgpu .gl
carry_bytes=$(du -cb .carry .gl | tail -1 | cut -f1)
tree_bytes=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "prepare: .carry + .gl = $(mib "$carry_bytes") MiB; working tree (tracked + untracked) = $(mib "$tree_bytes") MiB"
if [ "$carry_bytes" -gt $((limit_mib * 1048576)) ]; then
  echo "prepare: FAIL: .carry + .gl is over ${limit_mib} MiB" >&2
  exit 1
fi
if [ $((carry_bytes + tree_bytes)) -gt $((64 * 1048576)) ]; then
  echo "prepare: FAIL: carried folders plus working tree are over the device tool's 64 MiB" >&2
  exit 1
fi

cat <<'EOF'

prepare: ready. The device call (one call, about 7 minutes at most):
  run(command="bash scripts/gpu/on-device.sh", carry=[".carry", ".gl"], timeout_s=420)
The log comes back as gpu-bench.log under the reply's files_at; call give_back afterwards unless rerunning at once.
EOF
