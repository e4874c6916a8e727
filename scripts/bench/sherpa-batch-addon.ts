import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * sherpa-onnx-node 1.13.8 binds batch decoding only for streaming recognizers (`decodeMultipleOnlineStreams`);
 * its offline recognizer exposes `decode(stream)` and `decodeAsync(stream)`, one stream per call. The C
 * library it ships (libsherpa-onnx-c-api.so) does export `SherpaOnnxDecodeMultipleOfflineStreams`, which pads
 * several streams into one encoder batch. This tiny N-API addon calls it on the handles the binding already
 * holds (they are napi externals wrapping the C API pointers), so the peer runs its own batch path.
 */
const SOURCE = `#include <node_api.h>
#include <stdint.h>
typedef struct SherpaOnnxOfflineRecognizer SherpaOnnxOfflineRecognizer;
typedef struct SherpaOnnxOfflineStream SherpaOnnxOfflineStream;
void SherpaOnnxDecodeMultipleOfflineStreams(const SherpaOnnxOfflineRecognizer *r, const SherpaOnnxOfflineStream **s, int32_t n);
static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; void *rec = NULL; uint32_t n = 0;
  const SherpaOnnxOfflineStream *streams[256];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_external(env, argv[0], &rec) != napi_ok) { napi_throw_type_error(env, NULL, "argument 0 must be a recognizer handle"); return NULL; }
  if (napi_get_array_length(env, argv[1], &n) != napi_ok || n > 256) { napi_throw_type_error(env, NULL, "argument 1 must be an array of at most 256 stream handles"); return NULL; }
  for (uint32_t i = 0; i < n; i++) {
    napi_value v; void *p = NULL;
    napi_get_element(env, argv[1], i, &v);
    if (napi_get_value_external(env, v, &p) != napi_ok) { napi_throw_type_error(env, NULL, "not a stream handle"); return NULL; }
    streams[i] = (const SherpaOnnxOfflineStream *)p;
  }
  SherpaOnnxDecodeMultipleOfflineStreams((const SherpaOnnxOfflineRecognizer *)rec, streams, (int32_t)n);
  return NULL;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "decodeMultipleOfflineStreams", NAPI_AUTO_LENGTH, decode, NULL, &fn);
  napi_set_named_property(env, exports, "decodeMultipleOfflineStreams", fn);
  return exports;
}
`;

export interface SherpaBatchAddon {
  decodeMultipleOfflineStreams(recognizer: object, streams: object[]): void;
}

/** Compiles (once, cached in the temp dir) and loads the addon; the reason when it cannot (no cc, no node_api.h). */
export function loadSherpaBatchAddon(): { addon: SherpaBatchAddon } | { error: string } {
  const require = createRequire(import.meta.url);
  try {
    const libDir = dirname(require.resolve(`sherpa-onnx-${process.platform}-${process.arch}/package.json`));
    const include = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
    if (!include) return { error: 'node_api.h not found (install the Node.js headers)' };
    const hash = createHash('sha256').update(SOURCE).update(libDir).update(process.version).digest('hex').slice(0, 12);
    const dir = join(tmpdir(), 'parakeet-bench-sherpa-batch');
    const out = join(dir, `${hash}.node`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      const src = join(dir, `${hash}.c`);
      writeFileSync(src, SOURCE);
      const cc = process.env.CC ?? 'cc';
      execFileSync(cc, ['-O2', '-shared', '-fPIC', `-I${include}`, src, '-o', `${out}.tmp`, `-L${libDir}`, '-l:libsherpa-onnx-c-api.so', `-Wl,-rpath,${libDir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(`${out}.tmp`, out);
    }
    return { addon: require(out) as SherpaBatchAddon };
  } catch (e) {
    return { error: `cannot build the batch addon: ${(e as Error).message.split('\n')[0]}` };
  }
}
