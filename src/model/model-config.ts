/** config.json of an onnx-asr style model directory, with the defaults onnx-asr applies. */
export interface ModelConfig {
  modelType: string;
  featuresSize: number;
  subsamplingFactor: number;
  maxTokensPerStep: number;
  durations: number[];
  /** Seconds per mel frame (NeMo window_stride). */
  windowStride: number;
  sampleRate: number;
  name?: string;
}

export class ModelConfigError extends Error {}

const SUPPORTED_TYPES = new Set(['nemo-conformer-tdt', 'nemo-conformer-rnnt']);

export function parseModelConfig(text: string): ModelConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ModelConfigError(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelConfigError('expected a JSON object');
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ModelConfigError(`"${key}" must be a positive number`);
    return v;
  };
  const modelType = String(raw.model_type ?? 'nemo-conformer-tdt');
  if (!SUPPORTED_TYPES.has(modelType)) throw new ModelConfigError(`model_type "${modelType}" is not a NeMo transducer (expected nemo-conformer-tdt)`);
  const durations = raw.durations ?? (modelType === 'nemo-conformer-tdt' ? [0, 1, 2, 3, 4] : []);
  if (!Array.isArray(durations) || !durations.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelConfigError('"durations" must be an array of non-negative integers');
  }
  // features_size defaults to 80 in onnx-asr, which is wrong for Parakeet v2 (contract §6.1); we follow
  // onnx-asr so a directory behaves the same in both, and the session's input shape is checked at load.
  return {
    modelType,
    featuresSize: num('features_size', 80),
    subsamplingFactor: num('subsampling_factor', 8),
    maxTokensPerStep: num('max_tokens_per_step', 10),
    durations: durations as number[],
    windowStride: num('window_stride', 0.01),
    sampleRate: num('sample_rate', 16000),
    name: typeof raw.name === 'string' ? raw.name : undefined,
  };
}
