import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, Validate, ValidateIf, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { EnvVar } from './env-var.decorator.js';
import { TlsVariables } from './tls.schema.js';

/** An LM is fused into beam search only: asking for one with greedy decoding is a mistake worth stopping for. */
@ValidatorConstraint({ name: 'lmNeedsBeamSearch' })
class LmNeedsBeamSearch implements ValidatorConstraintInterface {
  validate(path: string | undefined, args: ValidationArguments): boolean {
    const off = path === undefined || path === '' || path.trim().toLowerCase() === 'none';
    return off || (args.object as { decoding?: string }).decoding !== 'greedy';
  }

  defaultMessage(): string {
    return 'a language model needs beam search: set PARAKEET_DECODING=auto or beam, or unset PARAKEET_LM_PATH';
  }
}

/**
 * Every environment variable the service reads. Validated once at start-up (see load-config.ts);
 * nothing else in the code base reads process.env.
 */
export class EnvironmentVariables extends TlsVariables {
  @EnvVar({ name: 'PARAKEET_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP and WebSocket server binds to.' })
  @IsString()
  @MinLength(1)
  host!: string;

  @EnvVar({ name: 'PARAKEET_PORT', kind: 'int', default: '8000', description: 'TCP port of the HTTP and WebSocket server (0 picks a free port).' })
  @IsInt()
  @Min(0)
  @Max(65535)
  port!: number;

  @EnvVar({
    name: 'PARAKEET_MODEL_DIR',
    kind: 'optional-string',
    description:
      'Model directory (encoder-model.onnx, decoder_joint-model.onnx, vocab.txt, config.json). Unset: models/parakeet-fp32 (models/parakeet-int8 with PARAKEET_QUANTIZATION=int8) when it holds a complete model, else the embedded default models/parakeet-tiny-en. Set to the empty string: download from the hub (as PARAKEET_MODEL_SOURCE=hub). A set directory that lacks a file stops start-up.',
  })
  @IsOptional()
  @IsString()
  modelDir?: string;

  @EnvVar({ name: 'PARAKEET_MODEL_ID', kind: 'string', default: 'nemo-parakeet-tdt-0.6b-v2', description: 'Model id reported by /v1/models and used for hub downloads.' })
  @IsString()
  @MinLength(1)
  modelId!: string;

  @EnvVar({
    name: 'PARAKEET_FALLBACK_MODEL_ID',
    kind: 'string',
    default: 'istupakov/parakeet-tdt-0.6b-v2-onnx',
    description: 'Repository tried when PARAKEET_MODEL_ID cannot be downloaded.',
  })
  @IsString()
  @MinLength(1)
  fallbackModelId!: string;

  @EnvVar({
    name: 'PARAKEET_MODEL_SOURCE',
    kind: 'enum',
    values: ['local', 'hub'],
    default: 'local',
    description:
      '`hub` downloads PARAKEET_MODEL_ID (then PARAKEET_FALLBACK_MODEL_ID) into PARAKEET_CACHE_DIR after the server listens, and serves it; a complete cached copy is used without the network. `local` follows PARAKEET_MODEL_DIR.',
  })
  @IsIn(['local', 'hub'])
  modelSource!: 'local' | 'hub';

  @EnvVar({ name: 'PARAKEET_MODELS_ROOT', kind: 'string', default: 'models', description: 'Directory holding parakeet-fp32/ (filled by `npm run fetch-model`) and the embedded parakeet-tiny-en/; relative paths are taken from the project root.' })
  @IsString()
  @MinLength(1)
  modelsRoot!: string;

  @EnvVar({ name: 'PARAKEET_CACHE_DIR', kind: 'string', default: 'models/hub-cache', description: 'Where hub downloads go, one sub-directory per repository (`owner--name`, `-int8` appended for int8); relative paths are taken from the project root.' })
  @IsString()
  @MinLength(1)
  cacheDir!: string;

  @EnvVar({ name: 'PARAKEET_HUB_URL', kind: 'string', default: 'https://huggingface.co', description: 'Hugging-Face-compatible hub: files are fetched from `<url>/<repo>/resolve/main/<file>`.' })
  @IsString()
  @MinLength(1)
  hubUrl!: string;

  @EnvVar({ name: 'HF_TOKEN', kind: 'optional-string', description: 'Bearer token sent to the hub (gated or private repositories). Never logged.' })
  @IsOptional()
  @IsString()
  hfToken?: string;

  @EnvVar({
    name: 'PARAKEET_QUANTIZATION',
    kind: 'enum',
    values: ['none', 'int8'],
    default: 'none',
    description: '`int8` loads `encoder-model.int8.onnx` and `decoder_joint-model.int8.onnx` instead of the fp32 files.',
  })
  @IsIn(['none', 'int8'])
  quantization!: 'none' | 'int8';

  @EnvVar({
    name: 'PARAKEET_DECODING',
    kind: 'enum',
    values: ['auto', 'greedy', 'beam'],
    default: 'auto',
    description:
      '`auto`: beam search with the word LM when there is one (PARAKEET_LM_PATH, or `lm.arpa.gz` in the model directory: the embedded model ships one), greedy decoding otherwise (the real Parakeet). `greedy`: TDT greedy decoding, as Parakeet ships (contract §4.3). `beam`: TDT beam search (NeMo\'s default beam search, PARAKEET_BEAM_SIZE hypotheses per utterance, with the word LM when there is one): fewer errors on hard words, more decoder work per clip (docs/how-it-runs.md, Beam search and language model).',
  })
  @IsIn(['auto', 'greedy', 'beam'])
  decoding!: 'auto' | 'greedy' | 'beam';

  @EnvVar({ name: 'PARAKEET_BEAM_SIZE', kind: 'int', default: '4', description: 'Hypotheses kept per utterance, and tokens and durations tried per expansion, in beam search.' })
  @IsInt()
  @Min(1)
  @Max(16)
  beamSize!: number;

  @EnvVar({
    name: 'PARAKEET_LM_PATH',
    kind: 'optional-string',
    description:
      'Word n-gram language model fused into beam search: an ARPA file, plain or gzip (KenLM `lmplz`, SRILM, `scripts/train/build_lm.py`); a relative path is taken from the working directory. Unset: `lm.arpa.gz` in the model directory when there is one. `none` or empty: no LM. Needs beam search (PARAKEET_DECODING `auto` or `beam`).',
  })
  @IsOptional()
  @IsString()
  @Validate(LmNeedsBeamSearch)
  lmPath?: string;

  @EnvVar({ name: 'PARAKEET_LM_WEIGHT', kind: 'number', default: '0.3', description: 'Weight of the LM\'s log-probability of each word against the acoustic score (tuned for the embedded model and its LM; tune it for yours with `npm run eval`).' })
  @IsNumber()
  @Min(0)
  @Max(10)
  lmWeight!: number;

  @EnvVar({ name: 'PARAKEET_LM_WORD_BONUS', kind: 'number', default: '2', description: 'Added to the score per word when the LM is on, so that its per-word cost does not favour fewer, merged words.' })
  @IsNumber()
  @Min(-50)
  @Max(50)
  lmWordBonus!: number;

  @EnvVar({ name: 'PARAKEET_LM_UNK_PENALTY', kind: 'number', default: '-10', description: 'Added to the LM log-probability (natural log) of a word the LM does not list, so that misspellings do not pass as `<unk>`.' })
  @IsNumber()
  @Min(-100)
  @Max(0)
  lmUnkPenalty!: number;

  @EnvVar({ name: 'PARAKEET_MAX_AUDIO_SECONDS', kind: 'number', default: '600', description: 'Longest accepted audio, in seconds.' })
  @IsNumber()
  @Min(1)
  maxAudioSeconds!: number;

  @EnvVar({ name: 'PARAKEET_MAX_UPLOAD_MB', kind: 'number', default: '64', description: 'Largest accepted upload, in MiB.' })
  @IsNumber()
  @Min(0.01)
  maxUploadMb!: number;

  @EnvVar({
    name: 'PARAKEET_USE_TENSORRT',
    kind: 'bool',
    default: '1',
    description: 'Try the TensorRT execution provider first on GPU hosts (TensorRT → CUDA → CPU).',
  })
  @IsIn([true, false])
  useTensorrt!: boolean;

  @EnvVar({
    name: 'PARAKEET_PROVIDER',
    kind: 'enum',
    values: ['auto', 'cpu', 'cuda', 'tensorrt', 'webgpu'],
    default: 'auto',
    description:
      '`auto` tries TensorRT → CUDA → CPU (CUDA → CPU with PARAKEET_USE_TENSORRT=0), warning once per fallback. `cpu`, `cuda`, `tensorrt` or `webgpu` (built into onnxruntime-node: Dawn on Vulkan, needs the Vulkan loader and a GPU driver with Vulkan; docs/gpu.md) forces that provider alone: if it cannot load, start-up fails with the reason instead of falling back.',
  })
  @IsIn(['auto', 'cpu', 'cuda', 'tensorrt', 'webgpu'])
  provider!: 'auto' | 'cpu' | 'cuda' | 'tensorrt' | 'webgpu';

  @EnvVar({ name: 'PARAKEET_DEVICE_ID', kind: 'int', default: '0', description: 'GPU index passed to the CUDA and TensorRT providers (the only provider option onnxruntime-node forwards).' })
  @IsInt()
  @Min(0)
  @Max(64)
  deviceId!: number;

  @EnvVar({
    name: 'PARAKEET_ORT_SESSION_CONFIG',
    kind: 'string',
    default: '',
    description:
      'Extra ONNX Runtime session config entries for every session, `key=value` pairs separated by `;` (passed as onnxruntime-node `extra`, e.g. `session.intra_op.allow_spinning=0`).',
  })
  @IsString()
  @Matches(/^(\s*[^=;\s][^=;]*=[^;]*)?(;\s*[^=;\s][^=;]*=[^;]*)*;?\s*$/, { message: 'must be key=value pairs separated by ;' })
  ortSessionConfig!: string;

  @EnvVar({ name: 'TRT_ENGINE_CACHE', kind: 'string', default: '/models/trt_cache', description: 'Directory for TensorRT engine caches. Accepted for compatibility with the reference service but NOT applied: onnxruntime-node 1.30 forwards no TensorRT cache options (docs/gpu-hosts.md); a warning says so when TensorRT loads.' })
  @IsString()
  trtEngineCache!: string;

  @EnvVar({ name: 'TRT_TIMING_CACHE', kind: 'string', default: '/models/timing.cache', description: 'TensorRT timing cache file. Accepted but NOT applied, for the same reason as TRT_ENGINE_CACHE.' })
  @IsString()
  trtTimingCache!: string;

  @EnvVar({
    name: 'ORT_INTRA_OP_NUM_THREADS',
    kind: 'int-or-auto',
    default: 'auto',
    description:
      'ONNX Runtime intra-op threads per runner lane. `auto`: on the CPU provider the usable cores (cgroup quota included) divided by the lanes, at least 1; 1 when PARAKEET_PROVIDER forces cuda or tensorrt, where the CPU only feeds the device.',
  })
  @ValidateIf((o: EnvironmentVariables) => o.ortIntraOpNumThreads !== 'auto')
  @IsInt()
  @Min(1)
  @Max(256)
  ortIntraOpNumThreads!: number | 'auto';

  @EnvVar({
    name: 'PARAKEET_LANES',
    kind: 'int-or-auto',
    default: 'auto',
    description:
      'Runner lanes: worker threads, each with its own ONNX Runtime sessions and its own batch in flight. `auto`: on the CPU provider one lane per usable core, at most 8 and at most what half the memory holds (2 × the model files per lane), but one lane with every core as a thread for a model over 1 GiB; 1 on a GPU.',
  })
  @ValidateIf((o: EnvironmentVariables) => o.runnerLanes !== 'auto')
  @IsInt()
  @Min(1)
  @Max(64)
  runnerLanes!: number | 'auto';

  @EnvVar({ name: 'PARAKEET_WARMUP', kind: 'bool', default: '1', description: 'Run every batch size the scheduler will use once at load, so the first request pays nothing.' })
  @IsIn([true, false])
  warmup!: boolean;

  @EnvVar({
    name: 'PARAKEET_FFMPEG_PATH',
    kind: 'optional-string',
    description: 'ffmpeg binary to run. Unset: `ffmpeg` on PATH, else the static build that npm ci installs (@ffmpeg-installer/linux-x64, an old 4.x).',
  })
  @IsOptional()
  @IsString()
  ffmpegPath?: string;

  @EnvVar({ name: 'PARAKEET_DECODE_TIMEOUT_S', kind: 'number', default: '60', description: 'An ffmpeg decode running longer than this is killed and the request answered 400.' })
  @IsNumber()
  @Min(0.1)
  decodeTimeoutS!: number;

  @EnvVar({
    name: 'PARAKEET_CHUNK_SECONDS',
    kind: 'number',
    default: '30',
    description:
      'Audio longer than this is split into overlapping chunks that ride the batches like other requests and are stitched on one clock at words both chunks heard (the Parakeet ONNX export fails past about 400 s in one pass). Must stay below 400 for the real model.',
  })
  @IsNumber()
  @Min(4)
  @Max(390)
  chunkSeconds!: number;

  @EnvVar({ name: 'PARAKEET_CHUNK_OVERLAP_SECONDS', kind: 'number', default: '4', description: 'Overlap between neighbouring chunks; each seam goes at a word both chunks heard inside it (a pause between words where they share none).' })
  @IsNumber()
  @Min(0.5)
  @Max(60)
  chunkOverlapSeconds!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_SAMPLE_RATE', kind: 'int', default: '16000', description: 'PCM16 sample rate of a `/v1/realtime` session opened without `intent` (the reference flow). `?intent=transcription` sessions start at OpenAI\'s 24000; a session update may set any rate from 8000 to 48000.' })
  @IsInt()
  @Min(8000)
  @Max(48000)
  realtimeSampleRate!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_MAX_BUFFER_S', kind: 'number', default: '60', description: 'Most uncommitted audio a realtime session holds: a manual-commit buffer beyond it gets an error event (the append is dropped); a server-VAD turn that long is committed.' })
  @IsNumber()
  @Min(1)
  @Max(390)
  realtimeMaxBufferS!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_PARTIAL_MS', kind: 'int', default: '500', description: 'While a server-VAD turn is open, re-transcribe it this often and send the new words as deltas (0: no partials, only the final transcript).' })
  @IsInt()
  @Min(0)
  @Max(60000)
  realtimePartialMs!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_MAX_SESSIONS', kind: 'int', default: '64', description: 'Concurrent realtime sessions; one more gets an `error` event and close code 1013.' })
  @IsInt()
  @Min(1)
  realtimeMaxSessions!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_MAX_MESSAGE_MB', kind: 'number', default: '16', description: 'Largest WebSocket message accepted (OpenAI allows 15 MiB audio events); a larger one closes the socket with 1009.' })
  @IsNumber()
  @Min(0.01)
  @Max(256)
  realtimeMaxMessageMb!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_IDLE_S', kind: 'number', default: '120', description: 'A realtime session that sends nothing for this long is closed (1000).' })
  @IsNumber()
  @Min(1)
  realtimeIdleS!: number;

  @EnvVar({ name: 'PARAKEET_REALTIME_SEND_BUFFER_MB', kind: 'number', default: '4', description: 'Events queued to a client that does not read its socket; beyond this the session is closed with 1008.' })
  @IsNumber()
  @Min(0.01)
  realtimeSendBufferMb!: number;

  @EnvVar({ name: 'PARAKEET_METRICS_DIR', kind: 'string', default: 'logs/metrics', description: 'Directory of the JSONL metrics file (`metrics.log`, rotated daily at UTC midnight to `metrics.log.YYYY-MM-DD`); relative paths are taken from the project root. An unwritable directory drops lines (counted in /metrics), never requests.' })
  @IsString()
  @MinLength(1)
  metricsDir!: string;

  @EnvVar({ name: 'PARAKEET_METRICS_RETENTION_DAYS', kind: 'int', default: '7', description: 'Rotated metrics files kept.' })
  @IsInt()
  @Min(1)
  metricsRetentionDays!: number;

  @EnvVar({ name: 'PARAKEET_METRICS_TOKEN', kind: 'optional-string', description: 'When set, GET /metrics requires `Authorization: Bearer TOKEN`.' })
  @IsOptional()
  @IsString()
  metricsToken?: string;

  @EnvVar({ name: 'PARAKEET_LOG_TRANSCRIPTS', kind: 'bool', default: '0', description: 'Log each transcript (REST request or realtime turn) with its request id at info level. Off: logs never hold audio or transcripts.' })
  @IsIn([true, false])
  logTranscripts!: boolean;

  @EnvVar({ name: 'PARAKEET_HEALTH_MAX_LAG_MS', kind: 'int', default: '1000', description: '/healthz fails when the event loop lags more than this (p99 over the last 10 s).' })
  @IsInt()
  @Min(10)
  healthMaxLagMs!: number;

  @EnvVar({ name: 'PARAKEET_DRAIN_DELAY_S', kind: 'number', default: '5', description: 'After SIGTERM/SIGINT, /readyz answers 503 at once but new requests are still served this long, so load balancers stop sending before the server refuses.' })
  @IsNumber()
  @Min(0)
  drainDelayS!: number;

  @EnvVar({ name: 'PARAKEET_SHUTDOWN_TIMEOUT_S', kind: 'number', default: '35', description: 'After the drain delay, queued and in-flight work (and committed realtime turns) may finish for this long before the process exits; keep it above PARAKEET_MAX_QUEUE_WAIT_S.' })
  @IsNumber()
  @Min(0)
  shutdownTimeoutS!: number;

  @EnvVar({ name: 'PARAKEET_RATE_LIMIT_PER_MIN', kind: 'int', default: '0', description: 'Requests per minute to /v1 per API key (or per client address when no key is sent); over it, 429 with Retry-After. 0: no rate limit (the admission queue still applies).' })
  @IsInt()
  @Min(0)
  rateLimitPerMin!: number;

  @EnvVar({ name: 'PARAKEET_CORS_ORIGINS', kind: 'optional-string', description: 'Comma-separated origins allowed to call the API from a browser (`*` for any). Unset: no CORS headers, so other sites cannot read responses. The page at / is same-origin and needs none.' })
  @IsOptional()
  @IsString()
  corsOrigins?: string;

  @EnvVar({ name: 'PARAKEET_HEADERS_TIMEOUT_S', kind: 'number', default: '10', description: 'A client must send its request headers within this time (slow-header attacks); after it, 408 and the connection is closed.' })
  @IsNumber()
  @Min(0.1)
  headersTimeoutS!: number;

  @EnvVar({ name: 'PARAKEET_REQUEST_TIMEOUT_S', kind: 'number', default: '120', description: 'A client must send its whole request (headers and upload) within this time; after it, 408 and the connection is closed. Processing time does not count.' })
  @IsNumber()
  @Min(0.1)
  requestTimeoutS!: number;

  @EnvVar({
    name: 'PARAKEET_API_KEYS',
    kind: 'optional-string',
    description: 'Comma-separated API keys; requests to /v1 must send one as `Authorization: Bearer KEY` (realtime sockets: that header, the subprotocol `openai-insecure-api-key.KEY` or `?api_key=KEY`). Unset: the API is open (a warning is logged when the server binds beyond loopback). /healthz and /readyz stay open.',
  })
  @IsOptional()
  @IsString()
  apiKeys?: string;

  @EnvVar({ name: 'PARAKEET_STRICT_MODEL', kind: 'bool', default: '0', description: 'Reject requests whose `model` is not the served model (404). Off: any id (e.g. `whisper-1`) maps to the loaded model.' })
  @IsIn([true, false])
  strictModel!: boolean;

  @EnvVar({
    name: 'PARAKEET_LOG_LEVEL',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Log level (pino).',
  })
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  logLevel!: string;
}
