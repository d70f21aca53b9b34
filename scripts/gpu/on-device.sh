#!/usr/bin/env bash
# Runs on the lent GPU machine (repository root, with .carry and .gl carried; see scripts/gpu/README.md):
#   run(command="bash scripts/gpu/on-device.sh", carry=[".carry", ".gl"], timeout_s=420)
# The TF.js speed bench on the webgpu backend (Dawn for Node over Vulkan) at batch 128 and 1024, then the PyTorch
# reference of the same step. Each part has its own time limit, a failing part does not stop the others, and the
# whole output goes to $OUT/gpu-bench.log. Exit status: the number of parts that failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-/tmp/gpu-kit-out}
mkdir -p "$out"
log=$out/gpu-bench.log
# Per-part limits (seconds; 30 + 100 + 130 + 90 with the probe): with the setup they stay inside a 420 s call.
T_WEBGPU_128=${T_WEBGPU_128:-100}
T_WEBGPU_1024=${T_WEBGPU_1024:-130}
T_TORCH=${T_TORCH:-90}
export PYTHONUNBUFFERED=1

failed=()
part() { # part NAME LIMIT COMMAND...: runs one part with its time limit and records a failure
  local name=$1 limit=$2
  shift 2
  echo
  local cmd="$*"
  echo "=== $name (limit ${limit}s): ${cmd:0:100} ==="
  local start=$SECONDS rc=0
  timeout -k 10 "$limit" "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "=== $name: ok in $((SECONDS - start)) s ==="
  else
    [ "$rc" -eq 124 ] && echo "=== $name: TIMED OUT after ${limit}s ===" || echo "=== $name: FAILED (exit $rc) ==="
    failed+=("$name")
  fi
  return "$rc"
}

# One TF.js bench run from .carry. The bench falls back to the (very slow) cpu backend when webgpu cannot start:
# its first line names the backend, so a run that did not get webgpu is stopped at once instead of eating the budget.
tfjs_bench() { # tfjs_bench BATCH
  cd .carry || return 1
  rm -f "tfjs-$1.out"
  ./node bench.mjs --backend webgpu --batch "$1" --steps 20 > >(tee "tfjs-$1.out") 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q '^backend ' "tfjs-$1.out" 2>/dev/null && ! grep -q '^backend webgpu' "tfjs-$1.out"; then
      echo "the bench did not get the webgpu backend; stopping it"
      kill "$pid"
      wait "$pid"
      return 3
    fi
    sleep 1
  done
  wait "$pid"
}
export -f tfjs_bench

main() {
  echo "=== gpu kit: $(date -u +%FT%TZ) on $(hostname), $(nproc) cores ==="

  # Vulkan loader and GL dispatch libraries from .gl (the device image has none).
  if compgen -G '.gl/*.deb' >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    echo "warning: .gl/*.deb not found (was .gl named in carry?)"
  fi
  ldconfig -p | grep -i libvulkan || echo "warning: no libvulkan in ldconfig -p"
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then
      export VK_DRIVER_FILES=$icd
      break
    fi
  done
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<unset: no NVIDIA ICD file found>}"

  echo
  nvidia-smi -L || echo "warning: nvidia-smi -L failed"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true

  # Node and Dawn, decompressed with Python's lzma (the device may have no xz).
  local have_node=1
  if [ -f .carry/node.xz ] && [ -f .carry/dawn.node.xz ]; then
    mkdir -p .carry/node_modules/webgpu/dist/linux-x64
    if (cd .carry && python3 -c "
import lzma, shutil
shutil.copyfileobj(lzma.open('node.xz'), open('node', 'wb'))
shutil.copyfileobj(lzma.open('dawn.node.xz'), open('node_modules/webgpu/dist/linux-x64/dawn.node', 'wb'))
") && chmod +x .carry/node && .carry/node --version; then
      :
    else
      echo "=== unpacking node / dawn.node FAILED ==="
      failed+=("unpack")
      have_node=0
    fi
  else
    echo "=== .carry/node.xz or .carry/dawn.node.xz missing: run scripts/gpu/prepare.sh and carry .carry ==="
    failed+=("carry")
    have_node=0
  fi

  if [ "$have_node" -eq 1 ]; then
    # Probe the adapter first, so a missing driver shows as such and the benches are not started for nothing.
    if part "webgpu adapter probe" 30 bash -c 'cd .carry && ./node --input-type=module -e "
const { create, globals } = await import(\"webgpu\");
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter();
if (!adapter) { console.error(\"Dawn found no usable GPU adapter\"); process.exit(3); }
const i = adapter.info ?? {};
console.log(\"adapter:\", [i.vendor, i.architecture, i.device, i.description].join(\" | \"));
const device = await adapter.requestDevice();
console.log(\"device ok; maxStorageBufferBindingSize\", device.limits.maxStorageBufferBindingSize);
device.destroy();
process.exit(0);
"'; then
      part "TF.js webgpu batch 128" "$T_WEBGPU_128" bash -c 'tfjs_bench 128'
      part "TF.js webgpu batch 1024" "$T_WEBGPU_1024" bash -c 'tfjs_bench 1024'
    else
      echo "=== skipping the TF.js webgpu benches: no adapter ==="
    fi
  fi

  part "PyTorch reference" "$T_TORCH" python3 scripts/gpu/torch_step.py --batches 128 1024 --steps 50

  echo
  if [ "${#failed[@]}" -eq 0 ]; then
    echo "=== gpu kit: all parts ok ==="
  else
    echo "=== gpu kit: FAILED parts: $(printf '%s; ' "${failed[@]}")==="
  fi
  return "${#failed[@]}"
}

main 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
