#!/usr/bin/env bash
# Runs ON the GPU host, the same command in every call (docs/gpu.md, "How to repeat it"):
#
#   bash scripts/gpu/host.sh        with carry [".gpu/pieces/part-NN", ".gpu/pieces/index.tsv"]
#
# 1. appends the carried part and unpacks what is complete (scripts/gpu/unpack.py);
# 2. runs, in order, every step whose archives are there and that has not run yet, while the call has time
#    left (HOST_BUDGET_S, default 540 s of the 600 s a call may take); a step that does not fit waits for
#    the next call;
# 3. leaves every log and JSON in .gpu/host/results/ and returns them as $OUT/results.tar.gz with a
#    one-screen $OUT/summary.txt.
# Steps that need the GPU provider start only once ort-core and ort-cuda are unpacked. HOST_STEPS="a b"
# runs only those steps (again, even if done); HOST_SKIP="a b" leaves them out.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
START=$(date +%s)
BUDGET=${HOST_BUDGET_S:-540}
OUT=${OUT:-$ROOT/.gpu/host/out}
STATE=$ROOT/.gpu/host
RES=$STATE/results
MODELS=$STATE/models
mkdir -p "$OUT" "$RES" "$STATE/steps" "$MODELS"

python3 scripts/gpu/unpack.py .gpu/pieces 2>&1 | tee -a "$RES/unpack.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { cp "$RES/unpack.log" "$OUT/summary.txt"; exit "$rc"; }

has() { for a in "$@"; do [ -f "$STATE/unpacked/$a" ] || return 1; done; }
export PATH=$STATE/node/bin:$PATH
CUDA_LIBS=$(python3 scripts/gpu/cuda-libs.py 2>"$RES/cuda-libs.txt")
export LD_LIBRARY_PATH=$CUDA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PARAKEET_FFMPEG_PATH=$ROOT/scripts/gpu/ffmpeg-absent.sh
FULL=$MODELS/parakeet-full
FP16=$MODELS/parakeet-full-fp16
EMB=$ROOT/models/parakeet-tiny-en
ORTLIB=node_modules/onnxruntime-node/bin/napi-v6/linux/x64

# step NAME SECONDS NEEDS... -- COMMAND...: runs COMMAND once (logged to results/NAME.log) if its archives are
# unpacked and SECONDS still fit in this call.
step() {
  local name=$1 need_s=$2; shift 2
  local needs=()
  while [ "$1" != "--" ]; do needs+=("$1"); shift; done
  shift
  if [ -n "${HOST_STEPS:-}" ]; then [[ " $HOST_STEPS " == *" $name "* ]] || return 0; else
    [ -f "$STATE/steps/$name" ] && return 0
  fi
  [[ " ${HOST_SKIP:-} " == *" $name "* ]] && return 0
  has "${needs[@]}" || { echo "[host] $name: waits for ${needs[*]}"; return 0; }
  local left=$((START + BUDGET - $(date +%s)))
  if [ "$left" -lt "$need_s" ]; then echo "[host] $name: needs ${need_s} s, ${left} s left: next call"; return 0; fi
  echo "[host] $name (≤ ${need_s} s) …"
  local t0=$(date +%s)
  # bash -c, not the command itself: timeout cannot run this script's functions (they are exported below).
  timeout "$((need_s + 30))" bash -c '"$@"' _ "$@" > "$RES/$name.log" 2>&1
  local code=$?
  echo "$code $(( $(date +%s) - t0 ))" > "$STATE/steps/$name"
  echo "[host] $name: exit $code in $(( $(date +%s) - t0 )) s"
  tail -n 15 "$RES/$name.log"
}

bench_http() { # MODEL_DIR LABEL [extra bench args...]
  local model=$1 label=$2; shift 2
  node dist/scripts/bench.js --model "$model" --provider cuda --no-peer --no-mp3 --clips 64 --seconds 6 \
    --sessions 8 --turns 2 --env PARAKEET_FFMPEG_PATH="$PARAKEET_FFMPEG_PATH" --json "$RES/bench-$label.json" "$@"
}
probe() {
  nvidia-smi; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))'
  cat "$RES/cuda-libs.txt"; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nproc; free -g; df -h /tmp .
  [ -x "$STATE/node/bin/node" ] && node --version
  [ -f "$ORTLIB/libonnxruntime_providers_cuda.so" ] && ldd "$ORTLIB/libonnxruntime_providers_cuda.so" | grep -E 'not found|cu'
  ldconfig -p | grep -i vulkan; ls /usr/local/nvidia/share/vulkan/icd.d/ 2>/dev/null
  return 0
}
make_models() {
  node dist/scripts/make-test-model.js --shape parakeet-full --out "$FULL" &&
    node dist/scripts/convert-fp16.js --model "$FULL" --out "$FP16" && ls -l "$FULL" "$FP16"
}
placement() {
  for m in "$EMB/encoder-model.onnx" "$EMB/decoder_joint-model.onnx" "$FULL/encoder-model.onnx" "$FP16/encoder-model.onnx" "$FULL/decoder_joint-model.onnx"; do
    node dist/scripts/gpu/placement.js --model "$m" --provider cuda --json "$RES/placement-$(basename "$(dirname "$m")")-$(basename "$m" .onnx).json"
  done
}
webgpu() {
  # The same 1.29 core has WebGPU (Dawn on Vulkan): it needs a Vulkan loader, which the host may lack.
  for d in "$STATE"/debs/*.deb; do [ -f "$d" ] && dpkg -x "$d" "$STATE/vulkan"; done
  export LD_LIBRARY_PATH=$STATE/vulkan/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  node dist/scripts/gpu/compare-providers.js --model "$EMB" --provider webgpu --against cpu --json "$RES/parity-embedded-webgpu.json" &&
    node dist/scripts/bench-model.js --model "$FP16" --provider webgpu --batches 1,16 --clips 12 --json "$RES/limit-fp16-webgpu.json"
}

export -f probe make_models placement webgpu bench_http
export ROOT STATE RES MODELS FULL FP16 EMB ORTLIB

# In order of what the issue needs most, as the parts arrive: call 1 has node + app (models, the PyTorch
# reference), call 2 the ORT core (CPU smoke test), call 3 the CUDA provider (everything on the GPU).
step probe 30 -- probe
step models 200 node app -- make_models
step torch-reference 200 node app -- python3 scripts/gpu/torch_reference.py --model "$FULL" --json "$RES/torch-reference.json"
step cpu-smoke 60 node app ort-core -- node dist/scripts/bench-model.js --model "$EMB" --provider cpu --threads 4 --batches 1,8 --clips 8 --json "$RES/limit-embedded-cpu.json"
step placement 90 node app ort-core ort-cuda -- placement
# LIMIT_BATCHES, HTTP_LEVELS and LIMIT_S / HTTP_S shorten the two headline steps when device time is short.
step limit-fp16 "${LIMIT_S:-150}" node app ort-core ort-cuda -- node dist/scripts/bench-model.js --model "$FP16" --provider cuda --batches "${LIMIT_BATCHES:-1,8,32,64,128}" --clips 256 --repeats 2 --json "$RES/limit-fp16.json"
step http-fp16 "${HTTP_S:-330}" node app ort-core ort-cuda -- bench_http "$FP16" fp16 --max-batch 64 --levels "${HTTP_LEVELS:-1,16,64,128,256}"
step parity-full 120 node app ort-core ort-cuda -- node dist/scripts/gpu/compare-providers.js --model "$FULL" --provider cuda --against cpu --threads 16 --set bench --clips 6 --json "$RES/parity-full-fp32.json"
step parity-fp16 120 node app ort-core ort-cuda -- node dist/scripts/gpu/compare-providers.js --model "$FP16" --provider cuda --against cpu --against-model "$FULL" --threads 16 --set bench --clips 6 --json "$RES/parity-full-fp16.json"
step parity-embedded 90 node app ort-core ort-cuda -- node dist/scripts/gpu/compare-providers.js --model "$EMB" --provider cuda --against cpu --set heldout --json "$RES/parity-embedded.json"
step limit-fp32 150 node app ort-core ort-cuda -- node dist/scripts/bench-model.js --model "$FULL" --provider cuda --batches 1,8,32,64 --clips 128 --repeats 2 --json "$RES/limit-fp32.json"
step http-fp16-exact 200 node app ort-core ort-cuda -- bench_http "$FP16" fp16-exact --max-batch 64 --levels 64,256 --env PARAKEET_SHAPE_BUCKETS=off
step http-fp16-2lanes 240 node app ort-core ort-cuda -- bench_http "$FP16" fp16-2lanes --lanes 2 --max-batch 64 --levels 64,256
step http-fp32 240 node app ort-core ort-cuda -- bench_http "$FULL" fp32 --max-batch 64 --levels 1,64,256
step http-embedded 200 node app ort-core ort-cuda -- bench_http "$EMB" embedded --max-batch 64 --levels 1,64,256
step webgpu 200 node app ort-core vulkan -- webgpu

{
  echo "host.sh: $(( $(date +%s) - START )) s this call; steps run so far (exit code, seconds):"
  for f in "$STATE"/steps/*; do [ -f "$f" ] && echo "  $(basename "$f"): $(cat "$f")"; done
  for f in "$RES"/*.log; do echo "== $(basename "$f")"; tail -n 6 "$f"; done
} > "$OUT/summary.txt"
tar -C "$STATE" -czf "$OUT/results.tar.gz" results
cat "$OUT/summary.txt" | head -n 80
