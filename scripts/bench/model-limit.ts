import { NEMO128, NemoFeaturizer } from '../../src/asr/nemo-featurizer.js';
import { wordErrors } from '../../src/asr/word-error-rate.js';
import { modelFiles } from '../../src/model/model-directory.js';
import type { InferenceEngine } from '../../src/model/runner/inference-engine.js';
import { ModelRunner } from '../../src/model/runner/model-runner.js';
import { featurize } from '../../src/model/featurize.task.js';
import { DEFAULT_FRAME_BUCKET } from '../../src/model/runner/shape-buckets.js';
import type { Decoding, EngineInfo, EngineInput, Features } from '../../src/model/runner/runner-protocol.js';
import { limitBatchSizes } from './bench-options.js';
import type { BenchClip } from './bench-clips.js';
import { median, round1 } from './stats.js';

/** Speech-like test signal: a few harmonics with a wandering pitch and syllable-rate envelope. */
export function speechLikeSignal(seconds: number, seed: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * 16000));
  let phase = 0;
  for (let n = 0; n < out.length; n++) {
    const t = n / 16000;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * (0.7 + seed * 0.05) * t);
    phase += (2 * Math.PI * f0) / 16000;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t + seed);
    out[n] = 0.1 * env * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase));
  }
  return out;
}

/** The featurizer alone on one core: 60 s of signal, median of 5 runs. */
export function benchFeaturizer(): { audio_s: number; ms: number; x_realtime: number } {
  const f = new NemoFeaturizer();
  const audio = speechLikeSignal(60, 1);
  f.featurize(audio);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    f.featurize(audio);
    runs.push(performance.now() - t);
  }
  const ms = median(runs);
  return { audio_s: 60, ms: round1(ms)!, x_realtime: Math.round(60000 / ms) };
}

export interface StageMs {
  featurize_ms: number;
  encoder_ms: number;
  decoder_ms: number;
  total_ms: number;
}

/** One batch through featurize → encoder → TDT decode, once to warm that shape, then median stage times of `repeats`. */
export async function timeBatch(engine: InferenceEngine, clips: Float32Array[], repeats: number): Promise<StageMs & { texts: string[]; cpu_ms: number }> {
  const first = await engine.transcribe(clips.map((c) => c.slice()));
  const samples = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const copies = clips.map((c) => c.slice());
    const before = process.cpuUsage();
    samples.push((await engine.transcribe(copies)).timings);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  return {
    cpu_ms: median(cpu),
    featurize_ms: median(samples.map((s) => s.featurizeMs)),
    encoder_ms: median(samples.map((s) => s.encoderMs)),
    decoder_ms: median(samples.map((s) => s.decodeMs)),
    total_ms: median(samples.map((s) => s.totalMs)),
    texts: first.transcripts.map((t) => t.text),
  };
}

export interface ModelLimitRow extends StageMs {
  batch: number;
  /** Σ clip audio seconds (the clip set once per lane) ÷ wall time of the pass, every lane running its own copy at once. */
  rtfx: number;
  /** Σ clip audio seconds ÷ CPU seconds this process used for them (all threads): steadier than RTFx on a shared machine. */
  audio_per_cpu_s: number;
}

export interface ModelLimit {
  /** Runner lanes run side by side, each fed its own batches, as the service's lanes are. */
  lanes: number;
  /** Intra-op threads per lane. */
  threads: number;
  provider: string;
  /** Features made ahead, off the lanes (a GPU, as the service runs it): the rows then time encoder and decoding. */
  features_ahead: boolean;
  /** Clips sorted by length (longest first) and cut into batches: the least padding any scheduler could get. */
  rows: ModelLimitRow[];
  /** Batches of the largest size in clip order (as arrivals come), to show what padding costs. */
  unsorted_max_batch_rtfx: number | null;
  /**
   * The largest batch measured again between the service levels and after them. The machine is shared and the
   * limit drifts with other jobs, so the best of all samples is the limit the ratios use.
   */
  max_batch_rtfx_samples: number[];
  /** WER of the in-process core on the clip set at the largest batch and at batch 1 (they differ: see docs/benchmarks.md). */
  wer: { errors: number; words: number; wer: number; batch1_wer: number | null };
}

/**
 * The model's own limit on this machine: the engine the runner lanes use, called directly in-process with
 * the service's thread setting, over the whole clip set at each batch size.
 */
export class ModelLimitProbe {
  private readonly audioS: number;
  private readonly sorted: BenchClip[];
  /** Features made once per clip where the service makes them ahead on featurizer threads (GPU lanes). */
  private readonly features = new Map<string, Features>();

  private constructor(
    private readonly runners: ModelRunner[],
    private readonly clips: BenchClip[],
    private readonly repeats: number,
    private readonly threads: number,
  ) {
    this.audioS = clips.reduce((s, c) => s + c.seconds, 0);
    this.sorted = [...clips].sort((a, b) => b.samples.length - a.samples.length);
  }

  /**
   * `lanes` runner worker threads, the service's own lanes minus HTTP and the scheduler: one lane alone cannot
   * be the limit of a server that runs several side by side.
   */
  static async load(
    modelDir: string,
    clips: BenchClip[],
    o: { lanes: number; threads: number; repeats: number; provider: string; maxBatch: number; decoding?: Decoding; shapeBuckets?: boolean },
  ): Promise<ModelLimitProbe> {
    const sizes = limitBatchSizes(o.maxBatch);
    // The service's default (PARAKEET_SHAPE_BUCKETS=auto), applied where the encoder pads (a GPU).
    const shapeBuckets = o.shapeBuckets === false ? undefined : { frames: DEFAULT_FRAME_BUCKET, batchSizes: sizes };
    const runners = Array.from(
      { length: o.lanes },
      () => new ModelRunner({ files: modelFiles(modelDir, 'none'), intraOpThreads: o.threads, providers: [o.provider], warmupBatchSizes: sizes, decoding: o.decoding, shapeBuckets }),
    );
    await Promise.all(runners.map((r) => r.start()));
    const probe = new ModelLimitProbe(runners, clips, o.repeats, o.threads);
    // As the service does (PARAKEET_FEATURIZER_THREADS auto): off the lanes on a GPU, in them on the CPU. The
    // featurizer's own rate is measured apart (benchFeaturizer).
    if (probe.provider !== 'cpu') probe.featurizeAhead();
    return probe;
  }

  private featurizeAhead(): void {
    const nMels = this.info.featuresSize;
    for (const c of this.clips) {
      const data = featurize({ audio: c.samples, nMels });
      const valid = Math.floor(c.samples.length / NEMO128.hopLength);
      this.features.set(c.id, { kind: 'features', data, mels: nMels, frames: valid + 1, valid, samples: c.samples.length });
    }
  }

  /** What a lane is given for a clip: a fresh copy (the runner transfers it away). */
  private input(clip: BenchClip): EngineInput {
    const f = this.features.get(clip.id);
    return f ? { ...f, data: f.data.slice() } : clip.samples.slice();
  }

  /** Whether the limit excludes featurization (made ahead, off the lanes, as the service does on a GPU). */
  get featuresAhead(): boolean {
    return this.features.size > 0;
  }

  get provider(): string {
    return this.runners[0].info!.provider;
  }

  /** The first lane's engine: provider, load and warm-up time. */
  get info(): EngineInfo {
    return this.runners[0].info!;
  }

  get decoding(): string {
    return this.runners[0].info!.decoding;
  }

  /** One clip alone on one lane: the model's own time for it (engine time, no thread hop). */
  async single(samples: Float32Array): Promise<number> {
    // From the audio, featurization included: a lone request pays it whichever thread makes the features.
    return (await this.runners[0].run([samples.slice()])).timings.totalMs;
  }

  /**
   * The clips (length-sorted unless `order` is given) cut into batches of `b`, and every lane runs the whole list
   * at once (as many copies of the audio as lanes): no lane waits for a batch another took, which a shared list of
   * a few batches would make it do. Once to warm the shapes, then `repeats` timed passes, the median kept.
   */
  async pass(b: number, order = this.sorted): Promise<{ row: ModelLimitRow; texts: Map<string, string> }> {
    const batches: BenchClip[][] = [];
    for (let i = 0; i < order.length; i += b) batches.push(order.slice(i, i + b));
    const texts = new Map<string, string>();
    const lanes = this.runners.length;
    const once = async () => {
      const stage: StageMs = { featurize_ms: 0, encoder_ms: 0, decoder_ms: 0, total_ms: 0 };
      const before = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        this.runners.map(async (runner, lane) => {
          for (const group of batches) {
            const { transcripts, timings } = await runner.run(group.map((c) => this.input(c)));
            stage.featurize_ms += timings.featurizeMs / lanes;
            stage.encoder_ms += timings.encoderMs / lanes;
            stage.decoder_ms += timings.decodeMs / lanes;
            if (lane === 0) group.forEach((c, j) => texts.set(c.id, transcripts[j].text));
          }
        }),
      );
      stage.total_ms = performance.now() - t0;
      const used = process.cpuUsage(before);
      return { stage, cpuMs: (used.user + used.system) / 1000 };
    };
    await once();
    const runs = [];
    for (let r = 0; r < this.repeats; r++) runs.push(await once());
    runs.sort((x, y) => x.stage.total_ms - y.stage.total_ms);
    const { stage, cpuMs } = runs[Math.floor(runs.length / 2)];
    const audioS = this.audioS * lanes;
    const row = {
      batch: b,
      featurize_ms: round1(stage.featurize_ms)!,
      encoder_ms: round1(stage.encoder_ms)!,
      decoder_ms: round1(stage.decoder_ms)!,
      total_ms: round1(stage.total_ms)!,
      rtfx: round1((audioS * 1000) / stage.total_ms)!,
      audio_per_cpu_s: round1((audioS * 1000) / cpuMs)!,
    };
    return { row, texts };
  }

  async measure(batchSizes: number[], progress: (line: string) => void): Promise<ModelLimit> {
    const rows: ModelLimitRow[] = [];
    let texts = new Map<string, string>();
    let batch1: Map<string, string> | undefined;
    for (const b of batchSizes) {
      const r = await this.pass(b);
      rows.push(r.row);
      texts = r.texts;
      if (b === 1) batch1 = r.texts;
      progress(`model limit  batch ${String(b).padStart(2)}: RTFx ${r.row.rtfx}, ${r.row.audio_per_cpu_s} audio s per CPU s (per lane: featurize ${r.row.featurize_ms} ms, encoder ${r.row.encoder_ms} ms, decode ${r.row.decoder_ms} ms; ${r.row.total_ms} ms wall for ${this.runners.length} × ${this.audioS.toFixed(0)} s)`);
    }
    const max = batchSizes[batchSizes.length - 1];
    const unsorted = (await this.pass(max, this.clips)).row.rtfx;
    progress(`model limit  batch ${max} in arrival order (unsorted): RTFx ${unsorted}`);
    const score = (heard: Map<string, string>) => {
      let errors = 0;
      let words = 0;
      for (const c of this.clips) {
        const w = wordErrors(c.text, heard.get(c.id) ?? '');
        errors += w.errors;
        words += w.words;
      }
      return { errors, words, wer: round1((100 * errors) / Math.max(1, words))! };
    };
    const { errors, words, wer } = score(texts);
    return {
      lanes: this.runners.length,
      threads: this.threads,
      provider: this.provider,
      features_ahead: this.featuresAhead,
      rows,
      unsorted_max_batch_rtfx: unsorted,
      max_batch_rtfx_samples: [],
      wer: { errors, words, wer, batch1_wer: batch1 ? score(batch1).wer : null },
    };
  }

  async release(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.close()));
  }
}
