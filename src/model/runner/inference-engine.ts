import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { NEMO128, NemoFeaturizer } from '../../asr/nemo-featurizer.js';
import { ArpaError, NgramLm } from '../../asr/ngram-lm.js';
import { TdtBeamDecoder } from '../../asr/tdt-beam-decoder.js';
import { TdtGreedyDecoder, type EncoderBatch, type TdtDecoder } from '../../asr/tdt-greedy-decoder.js';
import { buildTranscript } from '../../asr/transcript.js';
import type { Vocabulary } from '../../asr/vocabulary.js';
import { WordLmFusion } from '../../asr/word-lm-fusion.js';
import { inspectModelDirectory, ModelDirectoryError } from '../model-directory.js';
import type { ModelConfig } from '../model-config.js';
import { OrtJointStep } from './ort-joint-step.js';
import { runSplittingOnOom } from './out-of-memory.js';
import { bucketBatch, bucketFrames, type ShapeBuckets } from './shape-buckets.js';
import { inputSamples, isFeatures, type BatchResult, type Features, type EngineInfo, type EngineInput, type EngineOptions } from './runner-protocol.js';
import { checkContract, createSession, inputShape, ProviderUnavailableError } from './session-factory.js';
import type { Samples } from '../../asr/samples.js';

const ENCODER_INPUTS = { audio_signal: 'float32', length: 'int64' };
const ENCODER_OUTPUTS = ['outputs', 'encoded_lengths'];
const JOINT_INPUTS = { encoder_outputs: 'float32', targets: 'int32', target_length: 'int32', input_states_1: 'float32', input_states_2: 'float32' };
const JOINT_OUTPUTS = ['outputs', 'output_states_1', 'output_states_2'];

/**
 * Featurize → encoder → batched TDT decode for one batch, on ONNX Runtime sessions. Blocks its thread
 * while ORT runs, so the service hosts it in a worker thread (runner.worker.ts); benchmarks use it
 * directly to measure the model's own limit.
 */
export class InferenceEngine {
  private constructor(
    readonly info: EngineInfo,
    private readonly encoder: ort.InferenceSession,
    private readonly joint: ort.InferenceSession,
    private readonly featurizer: NemoFeaturizer,
    private readonly decoder: TdtDecoder,
    private readonly vocabulary: Vocabulary,
    private readonly config: ModelConfig,
    private readonly buckets: ShapeBuckets | undefined,
    private readonly log: (msg: string) => void,
  ) {}

  static async load(options: EngineOptions, log: (msg: string) => void = () => {}): Promise<InferenceEngine> {
    const started = performance.now();
    const { files } = options;
    const { config, vocabulary } = inspectModelDirectory(files.dir, files.encoder.endsWith('.int8.onnx') ? 'int8' : 'none');
    const settings = { deviceId: options.deviceId, sessionConfig: options.sessionConfig };
    const open = async (path: string, providers: string[], inputs: Record<string, string>, outputs: string[]) => {
      let loaded;
      try {
        loaded = await createSession(path, providers, options.intraOpThreads, log, settings);
      } catch (e) {
        if (e instanceof ProviderUnavailableError) throw e;
        throw new ModelDirectoryError(path, `cannot be loaded by ONNX Runtime (${(e as Error).message})`);
      }
      const problems = checkContract(loaded.session, inputs, outputs);
      if (problems.length) throw new ModelDirectoryError(path, `does not follow the Parakeet ONNX contract: ${problems.join('; ')}`);
      return loaded;
    };
    const enc = await open(files.encoder, options.providers, ENCODER_INPUTS, ENCODER_OUTPUTS);
    // The joint starts where the encoder landed: the providers before it already failed, with a warning.
    const joint = await open(files.decoderJoint, options.providers.slice(Math.max(0, options.providers.indexOf(enc.provider))), JOINT_INPUTS, JOINT_OUTPUTS);

    const featShape = inputShape(enc.session, 'audio_signal');
    if (typeof featShape[1] === 'number' && featShape[1] !== config.featuresSize) {
      throw new ModelDirectoryError(files.config, `features_size is ${config.featuresSize} but the encoder expects ${featShape[1]} mel bins`);
    }
    const stateShape = inputShape(joint.session, 'input_states_1');
    const encShape = inputShape(joint.session, 'encoder_outputs');
    const [layers, , hidden] = stateShape;
    const encoderDim = encShape[1];
    if (typeof layers !== 'number' || typeof hidden !== 'number' || typeof encoderDim !== 'number') {
      throw new ModelDirectoryError(files.decoderJoint, 'state and encoder_outputs dimensions must be static ([L, B, H] and [B, D, T])');
    }
    if (config.sampleRate !== 16000) throw new ModelDirectoryError(files.config, `sample_rate ${config.sampleRate} is not supported (16000 only)`);

    const logitWidth = vocabulary.size + config.durations.length;
    const maxBatch = Math.max(1, ...options.warmupBatchSizes);
    const step = new OrtJointStep(joint.session, encoderDim, layers, hidden, logitWidth, maxBatch);
    const probe = await step.run({
      batch: 1,
      encoderFrames: new Float32Array(encoderDim),
      targets: Int32Array.of(vocabulary.blankId),
      h: new Float32Array(layers * hidden),
      c: new Float32Array(layers * hidden),
    });
    if (probe.logits.length !== logitWidth) {
      throw new ModelDirectoryError(
        files.decoderJoint,
        `joint outputs ${probe.logits.length} logits per step, but vocab.txt has ${vocabulary.size} tokens and config.json ${config.durations.length} durations`,
      );
    }
    const decoderOptions = {
      blankId: vocabulary.blankId,
      vocabSize: vocabulary.size,
      durations: config.durations,
      maxSymbolsPerStep: config.maxTokensPerStep,
    };
    const beam = options.decoding?.strategy === 'beam' ? options.decoding.beamSize : 0;
    const lmOptions = beam > 0 ? options.decoding?.lm : undefined;
    const fusion = lmOptions ? new WordLmFusion(loadLanguageModel(lmOptions.path), vocabulary.pieces, lmOptions) : null;
    const decoder = beam > 0 ? new TdtBeamDecoder(step, decoderOptions, beam, fusion) : new TdtGreedyDecoder(step, decoderOptions);
    const featurizer = new NemoFeaturizer({ ...NEMO128, nMels: config.featuresSize });
    const info: EngineInfo = {
      modelName: config.name ?? files.dir.split('/').filter(Boolean).pop() ?? 'model',
      modelDir: files.dir,
      provider: enc.provider === joint.provider ? enc.provider : `${enc.provider}+${joint.provider}`,
      providerFallbacks: [...enc.fallbacks, ...joint.fallbacks],
      encoderDim,
      vocabSize: vocabulary.size,
      featuresSize: config.featuresSize,
      stateLayers: layers,
      stateSize: hidden,
      frameSeconds: config.windowStride * config.subsamplingFactor,
      sampleRate: config.sampleRate,
      loadMs: performance.now() - started,
      warmupMs: 0,
      encoderBatching: options.encoderBatching && options.encoderBatching !== 'auto' ? options.encoderBatching : enc.provider === 'cpu' ? 'per-item' : 'padded',
      decoding: beam > 0 ? `beam ${beam}${lmOptions ? ` + word LM ${basename(lmOptions.path)} (weight ${lmOptions.weight}, word bonus ${lmOptions.wordBonus})` : ''}` : 'greedy',
    };
    const engine = new InferenceEngine(info, enc.session, joint.session, featurizer, decoder, vocabulary, config, options.shapeBuckets, log);
    const warmStart = performance.now();
    for (const size of options.warmupBatchSizes) await engine.transcribe(warmupBatch(size));
    info.warmupMs = performance.now() - warmStart;
    return engine;
  }

  /** One batch; a batch that runs out of device memory is split and retried (out-of-memory.ts). */
  transcribe(audio: EngineInput[]): Promise<BatchResult> {
    return runSplittingOnOom(audio, (items) => this.transcribeOnce(items), (size, e) =>
      this.log(`batch of ${size} ran out of memory (${e.message.split('\n')[0]}): split in two and retried`),
    );
  }

  private async transcribeOnce(audio: EngineInput[]): Promise<BatchResult> {
    const t0 = performance.now();
    const encoded = this.info.encoderBatching === 'per-item' ? await this.encodeEach(audio) : await this.encodePadded(audio);
    const t2 = performance.now();
    const decoded = await this.decoder.decode(encoded.batch);
    const sampleRate = this.info.sampleRate;
    const transcripts = decoded.map((d, b) => buildTranscript(d, this.vocabulary, this.info.frameSeconds, inputSamples(audio[b]) / sampleRate));
    const t3 = performance.now();
    return { transcripts, timings: { featurizeMs: encoded.featurizeMs, encoderMs: t2 - t0 - encoded.featurizeMs, decodeMs: t3 - t2, totalMs: t3 - t0 } };
  }

  /** One encoder call over the batch padded to its longest clip: what a GPU wants. */
  private async encodePadded(audio: EngineInput[]): Promise<{ batch: EncoderBatch; featurizeMs: number }> {
    const t0 = performance.now();
    const B = audio.length;
    const nMels = this.config.featuresSize;
    let longest = 1;
    for (const a of audio) longest = Math.max(longest, isFeatures(a) ? a.frames : this.featurizer.frameCount(a.length));
    const frames = bucketFrames(longest, this.buckets);
    // Rows past B are padding to a warmed batch size: silence at full length, their outputs never decoded.
    const padded = bucketBatch(B, this.buckets);
    const features = new Float32Array(padded * nMels * frames);
    const lengths = new BigInt64Array(padded).fill(BigInt(frames));
    for (let b = 0; b < B; b++) {
      const a = audio[b];
      lengths[b] = BigInt(isFeatures(a) ? placeRows(a, features, b * nMels * frames, frames, nMels) : this.featurizer.featurizeInto(a, a.length, features, b * nMels * frames, frames));
    }
    const featurizeMs = performance.now() - t0;
    const out = await this.encoder.run({
      audio_signal: new ort.Tensor('float32', features, [padded, nMels, frames]),
      length: new ort.Tensor('int64', lengths, [padded]),
    });
    const dim = Number(out.outputs.dims[1]);
    const encFrames = Number(out.outputs.dims[2]);
    const batch: EncoderBatch = {
      // [padded, D, T] is batch-major: the real rows are its first B × D × T values.
      data: (out.outputs.data as Float32Array).subarray(0, B * dim * encFrames),
      batch: B,
      dim,
      frames: encFrames,
      lengths: Array.from((out.encoded_lengths.data as BigInt64Array).subarray(0, B), Number),
    };
    return { batch, featurizeMs };
  }

  /**
   * One encoder call per clip, unpadded, gathered into one [B, D, Tmax] tensor for the batched decoder. On
   * the CPU the encoder's cost is linear in the frames it is given (no batching gain to lose), so padding
   * is pure waste, and an int8 encoder's dynamic activation scale then covers this clip alone: the
   * transcript does not depend on what shared the batch.
   */
  private async encodeEach(audio: EngineInput[]): Promise<{ batch: EncoderBatch; featurizeMs: number }> {
    const B = audio.length;
    const nMels = this.config.featuresSize;
    const outputs: Float32Array[] = [];
    const lengths = new Array<number>(B);
    const frameCounts = new Array<number>(B);
    let featurizeMs = 0;
    let dim = this.info.encoderDim;
    for (let b = 0; b < B; b++) {
      const t0 = performance.now();
      const a = audio[b];
      const frames = isFeatures(a) ? a.frames : this.featurizer.frameCount(a.length);
      const features = isFeatures(a) ? a.data : new Float32Array(nMels * frames);
      const valid = isFeatures(a) ? checkMels(a, nMels).valid : this.featurizer.featurizeInto(a, a.length, features, 0, frames);
      featurizeMs += performance.now() - t0;
      const out = await this.encoder.run({
        audio_signal: new ort.Tensor('float32', features, [1, nMels, frames]),
        length: new ort.Tensor('int64', BigInt64Array.of(BigInt(valid)), [1]),
      });
      outputs.push(out.outputs.data as Float32Array);
      dim = Number(out.outputs.dims[1]);
      frameCounts[b] = Number(out.outputs.dims[2]);
      lengths[b] = Number((out.encoded_lengths.data as BigInt64Array)[0]);
    }
    if (B === 1) return { batch: { data: outputs[0], batch: 1, dim, frames: frameCounts[0], lengths }, featurizeMs };
    const T = Math.max(...frameCounts);
    const data = new Float32Array(B * dim * T);
    for (let b = 0; b < B; b++) {
      const src = outputs[b];
      const Tb = frameCounts[b];
      for (let d = 0; d < dim; d++) data.set(src.subarray(d * Tb, (d + 1) * Tb), (b * dim + d) * T);
    }
    return { batch: { data, batch: B, dim, frames: T, lengths }, featurizeMs };
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.joint.release();
  }
}

function checkMels(f: Features, nMels: number): Features {
  if (f.mels !== nMels) throw new Error(`features have ${f.mels} mel bins, the encoder takes ${nMels}`);
  return f;
}

/** Copies made-ahead features into a batch tensor whose rows are `stride` frames long; returns the valid frames. */
function placeRows(f: Features, out: Float32Array, offset: number, stride: number, nMels: number): number {
  checkMels(f, nMels);
  for (let m = 0; m < nMels; m++) out.set(f.data.subarray(m * f.frames, (m + 1) * f.frames), offset + m * stride);
  return f.valid;
}

/** The LM file, read and parsed; errors name the file. */
function loadLanguageModel(path: string): NgramLm {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new ArpaError(`${path}: cannot read the language model (${(err as Error).message})`);
  }
  try {
    return NgramLm.fromBuffer(data);
  } catch (err) {
    throw new ArpaError(`${path}: ${(err as Error).message}`);
  }
}

/** Two seconds of quiet deterministic noise per item. */
function warmupBatch(size: number): Float32Array[] {
  return Array.from({ length: size }, (_, b) => {
    const a = new Float32Array(32000);
    let s = 12345 + b;
    for (let i = 0; i < a.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      a[i] = ((s / 4294967296) - 0.5) * 0.01;
    }
    return a;
  });
}
