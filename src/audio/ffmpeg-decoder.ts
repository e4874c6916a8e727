import ffmpeg from 'fluent-ffmpeg';
import { statSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { AudioDecodeError, AudioTooLongError, DecodeAbortedError, DecodeTimeoutError } from './audio-errors.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import { TARGET_RATE } from './resampler.js';

/**
 * Demuxers ffmpeg may use on uploads. Everything else is refused before it is opened, above all the
 * playlist and list demuxers (hls, concat, sdp, …) that would make ffmpeg read other files or URLs.
 */
export const ALLOWED_DEMUXERS = [
  'wav', 'w64', 'rf64', 'mp3', 'flac', 'ogg', 'matroska', 'webm', 'mov', 'aac', 'loas', 'aiff', 'caf', 'amr', 'amrnb', 'amrwb',
  'au', 'avi', 'flv', 'asf', 'ac3', 'eac3', 'dts', 'wv', 'ape', 'tta', 'mpeg', 'mpegts', 'voc', 'nistsphere', 'xwma', 'tak',
  'shn', 'mpc', 'mpc8', 'oma', 'gsm', 'g722', 'mulaw', 'alaw', 'ircam', 'sox', 'dsf', 'opus',
].join(',');

export interface FfmpegDecodeOptions {
  /** A private file holding the upload (needed when the container must be seeked), else bytes go over stdin. */
  path?: string;
  bytes?: Uint8Array;
  /**
   * Write the samples (f32le) to this new file instead of sending them back: a long job's audio then crosses no
   * pipe or IPC message, whose buffers would each hold the whole decode again. The answer is an empty array.
   */
  outputPath?: string;
  timeoutS: number;
  maxSeconds: number;
  signal?: AbortSignal;
}

/** Hides file paths and keeps one short line of ffmpeg's complaint for the client. */
export function shortReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? 'unknown error';
  return last
    .replace(/^\[[^\]]*\]\s*/, '')
    .replace(/(?:\/[\w.-]+)+/g, '<file>')
    .replace(/^(?:pipe:0|<file>):\s*/, '')
    .slice(0, 160);
}

/**
 * Decodes anything ffmpeg can read to 16 kHz mono float32 through pipes. No shell; only the allowed
 * demuxers and only the pipe (or the one spooled file) may be opened; killed on timeout or abort.
 */
export function decodeWithFfmpeg(binary: FfmpegBinary, options: FfmpegDecodeOptions): Promise<Float32Array> {
  const { path, bytes, outputPath, timeoutS, maxSeconds, signal } = options;
  if (signal?.aborted) return Promise.reject(new DecodeAbortedError('request aborted'));
  const maxBytes = Math.ceil((maxSeconds + 1) * TARGET_RATE) * 4;
  return new Promise<Float32Array>((resolve, reject) => {
    // The launcher execs the ffmpeg that PARAKEET_FFMPEG names: fluent-ffmpeg passes on this process's own
    // environment (it takes no other), which the decoder host is started with (ffmpeg-host.ts).
    const command = ffmpeg({ stdoutLines: 0 }).setFfmpegPath(binary.shield ?? binary.path);
    const common = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-format_whitelist', ALLOWED_DEMUXERS];
    if (path) command.input(path).inputOptions([...common, '-protocol_whitelist', 'file']);
    else command.input(Readable.from([Buffer.from(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength)])).inputOptions([...common, '-protocol_whitelist', 'pipe']);
    command.outputOptions(['-vn', '-sn', '-dn', '-map_metadata', '-1', '-ac', '1', '-ar', String(TARGET_RATE), '-acodec', 'pcm_f32le', '-t', String(maxSeconds + 1), '-threads', '1']).format('f32le');

    const chunks: Buffer[] = [];
    let received = 0;
    let outcome: Error | undefined;
    const stop = (why: Error) => {
      outcome ??= why;
      command.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new DecodeTimeoutError(timeoutS)), timeoutS * 1000);
    const onAbort = () => stop(new DecodeAbortedError('request aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      finish();
      if (outcome) return reject(outcome);
      reject(new AudioDecodeError(`The file is not audio ffmpeg can read: ${shortReason(stderr || err.message)}`));
    });
    command.on('end', () => {
      finish();
      if (outcome) return reject(outcome);
      if (outputPath) {
        const written = statSync(outputPath).size;
        if (written > maxSeconds * TARGET_RATE * 4) return reject(new AudioTooLongError(written / 4 / TARGET_RATE, maxSeconds));
        return resolve(new Float32Array(0));
      }
      const samples = new Float32Array(received >> 2);
      const view = new Uint8Array(samples.buffer);
      let at = 0;
      for (const c of chunks) {
        const n = Math.min(c.length, view.length - at);
        view.set(c.subarray(0, n), at);
        at += n;
      }
      if (samples.length > maxSeconds * TARGET_RATE) return reject(new AudioTooLongError(samples.length / TARGET_RATE, maxSeconds));
      resolve(samples);
    });
    // Our own sink that never emits 'close': fluent-ffmpeg kills ffmpeg and reports "Output stream closed" when
    // its output stream closes and the process has not exited 20 ms later, which under load happened to ≈ 3 in
    // 1,000 good decodes (its PassThrough closes itself as soon as stdout ends). The outcome comes from 'end'.
    const sink = new Writable({
      emitClose: false,
      autoDestroy: false,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > maxBytes) stop(new AudioTooLongError(received / 4 / TARGET_RATE, maxSeconds));
        else chunks.push(chunk);
        done();
      },
    });
    if (outputPath) command.output(outputPath).run();
    else command.pipe(sink, { end: true });
  });
}
