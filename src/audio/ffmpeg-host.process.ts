import { AudioDecodeError, AudioTooLongError, DecodeAbortedError, DecodeTimeoutError } from './audio-errors.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { decodeWithFfmpeg, type FfmpegDecodeOptions } from './ffmpeg-decoder.js';
import type { FromHost, HostError, ToHost } from './ffmpeg-host-protocol.js';

/**
 * The decoder host: a small Node process that starts the ffmpeg processes. Starting a process from the server
 * costs time proportional to the server's memory (fork copies its page tables: ≈ 20 ms at 650 MB, blocking the
 * event loop); from this ≈ 130 MB process it costs ≈ 5 ms and never blocks the server.
 */
const send = (msg: FromHost) => process.send!(msg);
const running = new Map<number, AbortController>();

function describe(e: unknown): HostError {
  if (e instanceof AudioTooLongError) return { kind: 'too-long', seconds: e.seconds, limit: e.limit };
  if (e instanceof DecodeTimeoutError) return { kind: 'timeout', seconds: e.seconds };
  if (e instanceof DecodeAbortedError) return { kind: 'aborted' };
  if (e instanceof AudioDecodeError) return { kind: 'decode', message: e.message, code: e.code ?? 'invalid_audio' };
  return { kind: 'internal', message: (e as Error).message };
}

process.on('message', (msg: ToHost) => {
  if (msg.type === 'abort') {
    running.get(msg.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  decodeOnce(msg.binary, { ...msg.options, signal: controller.signal })
    .then((samples) => send({ type: 'done', id: msg.id, samples }))
    .catch((e: unknown) => send({ type: 'error', id: msg.id, error: describe(e) }))
    .finally(() => running.delete(msg.id));
});

// A signal meant for the whole process group or cgroup (Ctrl-C under npm start, `kill -- -PGID`, systemd's stop)
// must not cut the decodes of requests the draining server still answers: the server stops this host itself,
// by disconnecting, once its accepted work is done.
let lastGroupSignalAt = -Infinity;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => (lastGroupSignalAt = performance.now()));

/**
 * One decode, run again once if it failed while a group signal arrived: a process started in the same moment can
 * take the signal before its launcher has blocked it (signal-shield.ts), or runs unshielded where env cannot.
 */
async function decodeOnce(binary: FfmpegBinary, options: FfmpegDecodeOptions): Promise<Float32Array> {
  const started = performance.now();
  try {
    return await decodeWithFfmpeg(binary, options);
  } catch (e) {
    const signalled = lastGroupSignalAt >= started;
    const final = e instanceof AudioTooLongError || e instanceof DecodeTimeoutError || e instanceof DecodeAbortedError;
    if (!signalled || final || options.signal?.aborted) throw e;
    return decodeWithFfmpeg(binary, options);
  }
}

// The server went away: kill every ffmpeg this host started, then leave.
process.on('disconnect', () => {
  for (const c of running.values()) c.abort();
  setTimeout(() => process.exit(0), 50);
});
