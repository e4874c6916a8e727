import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Samples } from '../asr/samples.js';
import { HostResources } from '../common/host-resources.js';
import { compiledModuleUrl } from '../common/project-paths.js';
import { Semaphore } from '../common/semaphore.js';
import { AppConfig } from '../config/app-config.js';
import { AudioDecodeError, AudioTooLongError, DecodeAbortedError } from './audio-errors.js';
import { FfmpegHost } from './ffmpeg-host.js';
import { locateFfmpeg, type FfmpegBinary } from './ffmpeg-binary.js';
import { TARGET_RATE } from './resampler.js';
import { soundTrackSeconds } from './iso-bmff.js';
import { readHead, readInto, soundTrackSecondsOfFile, wavLayoutOfFile } from './audio-file.js';
import { TempSpool } from './temp-spool.js';
import type { WavDecodeRequest, WavDecodeResult } from './wav-decode.task.js';
import { isMonoPcm16, isWav, monoPcm16, readWavLayout, WavFormatError } from './wav-reader.js';

export interface DecodeFileOptions {
  maxSeconds: number;
  timeoutS: number;
  signal?: AbortSignal;
  /**
   * Called with the decoded audio's size as float32 (bytes) before its samples are read into memory (the size is
   * known from the WAV header or ffmpeg's output file by then), so a caller can wait for the memory to be free.
   */
  reserve?: (bytes: number) => Promise<void>;
}

export interface DecodedAudio {
  /** 16 kHz mono: float32, or PCM16 integers straight from a 16 kHz mono WAV. */
  samples: Samples;
  duration: number;
  /** Which path decoded it: the in-process WAV parser, ffmpeg over a pipe, or ffmpeg from a spooled file. */
  decoder: 'wav' | 'ffmpeg' | 'ffmpeg-file';
  decodeMs: number;
}

/**
 * 16 kHz mono PCM16, the model's own input: its integers go to the lane as they are (no float conversion on the
 * event loop; the featurizer scales them), copied once out of the upload. Keeping a view of the upload instead
 * cost more than the copy: under load the event loop's heap then ran a mark-compact about every 0.5 s (measured
 * with --trace-gc at concurrency 16). Undefined for any other WAV.
 */
function nativePcm16(bytes: Uint8Array): Int16Array | undefined {
  let layout;
  try {
    layout = readWavLayout(bytes);
  } catch (e) {
    if (e instanceof WavFormatError) return undefined;
    throw e;
  }
  if (layout.sampleRate !== TARGET_RATE || !isMonoPcm16(layout)) return undefined;
  const pcm = monoPcm16(bytes, layout);
  // Unaligned data has already been copied once.
  return pcm.buffer === bytes.buffer ? pcm.slice() : pcm;
}

/** ISO-BMFF (mp4, m4a, mov, 3gp): `ftyp` at offset 4. Its index may sit at the end, which needs seeking. */
export function isIsoBmff(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70;
}

/** MP3 (ID3 tag or an MPEG audio frame sync): its gapless trimming needs a seekable input. */
export function isMp3(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return true;
  return bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) !== 0;
}

/** Drops decoded encoder padding past the container's declared duration (at most 0.25 s of it). */
function trimTo(samples: Float32Array, seconds: number | undefined): Float32Array {
  if (seconds === undefined) return samples;
  const declared = Math.round(seconds * TARGET_RATE);
  const excess = samples.length - declared;
  return excess > 0 && excess <= TARGET_RATE / 4 ? samples.subarray(0, declared) : samples;
}

/**
 * The one place bytes become audio: every upload leaves here as 16 kHz mono float32. WAV is parsed and
 * resampled in a worker pool; everything else goes through ffmpeg, started by the decoder host process.
 */
@Injectable()
export class AudioService implements OnApplicationShutdown {
  private readonly logger = new Logger(AudioService.name);
  readonly ffmpeg: FfmpegBinary;
  readonly spool: TempSpool;
  /** ffmpeg starts from this small process, not from the server (see ffmpeg-host.process.ts). */
  readonly host = new FfmpegHost();
  private readonly pool: Piscina<WavDecodeRequest, WavDecodeResult>;
  /** PARAKEET_DECODE_CONCURRENCY: admitted uploads beyond it wait here rather than start more ffmpeg processes. */
  readonly slots: Semaphore;
  /** Decodes that started (ffmpeg or the WAV worker), for tests and diagnostics. */
  decodesStarted = 0;

  constructor(private readonly config: AppConfig) {
    this.slots = new Semaphore(config.decodeConcurrency === 'auto' ? new HostResources().cores() : config.decodeConcurrency);
    this.ffmpeg = locateFfmpeg(config.ffmpegPath);
    this.logger.log(`ffmpeg ${this.ffmpeg.version} (${this.ffmpeg.path}, from ${this.ffmpeg.source})`);
    if (!this.ffmpeg.shield) this.logger.warn('ffmpeg runs unshielded (needs GNU env --block-signal, coreutils ≥ 8.31): a signal to the whole process group or cgroup would also stop the decodes of a draining server');
    this.spool = new TempSpool();
    this.pool = new Piscina({
      filename: compiledModuleUrl(import.meta.url, './wav-decode.worker.js').href,
      maxThreads: availableParallelism(),
      idleTimeout: 30000,
    });
  }

  /** @param maxSeconds longest audio accepted (default PARAKEET_MAX_AUDIO_SECONDS; jobs have their own limit). */
  async decode(bytes: Uint8Array, signal?: AbortSignal, maxSeconds = this.config.maxAudioSeconds): Promise<DecodedAudio> {
    if (bytes.length === 0) throw new AudioDecodeError('The file is empty.', 'empty_file');
    const release = await this.slots.acquire(signal, () => new DecodeAbortedError('request aborted'));
    this.decodesStarted++;
    try {
      return await this.decodeNow(bytes, performance.now(), maxSeconds, signal);
    } finally {
      release();
    }
  }

  /**
   * A stored file (a job's audio), read from disk rather than handed over whole. 16 kHz mono PCM16 WAV: its frames
   * are read straight into the samples. Any other WAV the live endpoint would take (within PARAKEET_MAX_UPLOAD_MB)
   * is decoded as the live endpoint decodes it, so a job's audio is the same samples. Everything else, and larger
   * WAVs, go to ffmpeg by path, its output to a scratch file read once into the samples: neither the file's bytes
   * nor a second copy of the decoded audio (pipe buffers, the IPC message) is held in memory.
   */
  async decodeFile(path: string, options: DecodeFileOptions): Promise<DecodedAudio> {
    const { maxSeconds, timeoutS, signal, reserve = async () => {} } = options;
    const { head, size } = await readHead(path);
    if (size === 0) throw new AudioDecodeError('The file is empty.', 'empty_file');
    const release = await this.slots.acquire(signal, () => new DecodeAbortedError('request aborted'));
    this.decodesStarted++;
    const started = performance.now();
    const done = (samples: Samples, decoder: DecodedAudio['decoder']) =>
      this.nonEmpty(samples, decoder, (s, d) => ({ samples: s, duration: s.length / TARGET_RATE, decoder: d, decodeMs: performance.now() - started }));
    try {
      const wav = wavLayoutOfFile(head, size);
      if (wav && wav.sampleRate === TARGET_RATE && isMonoPcm16(wav)) {
        if (wav.frames > maxSeconds * TARGET_RATE) throw new AudioTooLongError(wav.frames / TARGET_RATE, maxSeconds);
        await reserve(wav.frames * 4);
        const pcm = new Int16Array(wav.frames);
        await readInto(path, wav.dataStart, new Uint8Array(pcm.buffer));
        return done(pcm, 'wav');
      }
      if (isWav(head) && size <= this.config.maxUploadMb * 1024 * 1024) {
        const live = await this.decodeNow(await readFile(path), started, maxSeconds, signal, timeoutS);
        await reserve(live.samples.length * 4);
        return live;
      }
      const declared = isIsoBmff(head) ? await soundTrackSecondsOfFile(path, size) : undefined;
      const samples = await this.spool.scratch(async (out) => {
        await this.host.decode(this.ffmpeg, { path, outputPath: out, timeoutS, maxSeconds, signal });
        const bytes = (await stat(out)).size;
        await reserve(bytes);
        const pcm = new Float32Array(bytes >> 2);
        await readInto(out, 0, new Uint8Array(pcm.buffer));
        return pcm;
      });
      return done(trimTo(samples, declared), 'ffmpeg-file');
    } finally {
      release();
    }
  }

  private async decodeNow(bytes: Uint8Array, started: number, maxSeconds: number, signal?: AbortSignal, timeoutS = this.config.decodeTimeoutS): Promise<DecodedAudio> {
    const done = (samples: Samples, decoder: DecodedAudio['decoder']): DecodedAudio => ({
      samples,
      duration: samples.length / TARGET_RATE,
      decoder,
      decodeMs: performance.now() - started,
    });

    if (isWav(bytes)) {
      const native = nativePcm16(bytes);
      if (native) {
        const seconds = native.length / TARGET_RATE;
        if (seconds > maxSeconds) throw new AudioTooLongError(seconds, maxSeconds);
        return this.nonEmpty(native, 'wav', done);
      }
      const result = await this.runWav({ bytes, maxSeconds }, signal);
      if (result.kind === 'too-long') throw new AudioTooLongError(result.seconds, maxSeconds);
      if (result.kind === 'audio') return this.nonEmpty(result.samples, 'wav', done);
      this.logger.debug(`WAV fast path declined (${result.reason}); using ffmpeg`);
    }

    const common = { bytes, timeoutS, maxSeconds, signal };
    const fromFile = () => this.spool.use(bytes, (path) => this.host.decode(this.ffmpeg, { ...common, path }));
    if (isIsoBmff(bytes)) return this.nonEmpty(trimTo(await fromFile(), soundTrackSeconds(bytes)), 'ffmpeg-file', done);
    if (isMp3(bytes)) return this.nonEmpty(await fromFile(), 'ffmpeg-file', done);
    const piped = await this.host.decode(this.ffmpeg, common);
    if (piped.length > 0) return done(piped, 'ffmpeg');
    // A container that needs seeking can decode to nothing over a pipe with exit code 0: retry from a file.
    return this.nonEmpty(await fromFile(), 'ffmpeg-file', done);
  }

  /**
   * After the HTTP server has closed, so after every accepted request has its answer: Nest runs module-destroy
   * hooks before it closes the server, which would cut the decodes of requests still being answered in a drain.
   */
  onApplicationShutdown(): Promise<void> {
    this.host.close();
    this.spool.close();
    return this.pool.destroy();
  }

  private nonEmpty(samples: Samples, decoder: DecodedAudio['decoder'], done: (s: Samples, d: DecodedAudio['decoder']) => DecodedAudio) {
    if (samples.length === 0) throw new AudioDecodeError('The file contains no audio samples.', 'no_audio');
    return done(samples, decoder);
  }

  private async runWav(request: WavDecodeRequest, signal?: AbortSignal): Promise<WavDecodeResult> {
    try {
      // Copied, not transferred: the caller keeps the bytes for the ffmpeg fallback.
      return await this.pool.run(request, { signal });
    } catch (e) {
      if (signal?.aborted) throw new DecodeAbortedError('request aborted');
      throw e;
    }
  }
}
