import { IsIn, IsInt, IsNumber, Max, Min, ValidateIf } from 'class-validator';
import { EnvVar } from './env-var.decorator.js';
import { TranscriptLayoutVariables } from './transcript-layout.schema.js';

/**
 * How requests are admitted, queued and batched (docs/traffic.md). Part of the one schema (EnvironmentVariables
 * extends this class); kept in their own file so the schema stays small.
 */
export class SchedulingVariables extends TranscriptLayoutVariables {
  @EnvVar({
    name: 'PARAKEET_QUEUE_MAX_FACTOR',
    kind: 'number',
    default: '2',
    description:
      'Admission limit, counted in requests (however many chunks each has) and decided before the audio is decoded: at most lanes × PARAKEET_MICROBATCH_MAX_BATCH requests running plus this factor × PARAKEET_MICROBATCH_MAX_BATCH waiting are admitted at once; more are answered 429 with Retry-After. Realtime turns are not counted.',
  })
  @IsNumber()
  @Min(0.1)
  queueMaxFactor!: number;

  @EnvVar({ name: 'PARAKEET_MAX_QUEUE_WAIT_S', kind: 'number', default: '30', description: 'A request whose first chunk waits longer than this for a lane is answered 503 (its later chunks are not timed: the request was already under way).' })
  @IsNumber()
  @Min(0.1)
  maxQueueWaitS!: number;

  @EnvVar({ name: 'PARAKEET_MICROBATCH_WINDOW_MS', kind: 'number', default: '10', description: 'How long a free lane waits for more requests before running a partial batch while other lanes are busy. Applies where batching pays (a GPU, whose encoder runs the batch padded in one call); on the CPU an idle lane takes the queue at once.' })
  @IsNumber()
  @Min(0)
  @Max(10000)
  microbatchWindowMs!: number;

  @EnvVar({ name: 'PARAKEET_MICROBATCH_MAX_BATCH', kind: 'int', default: '8', description: 'Largest batch one runner lane runs; warm-up covers every power of two up to it.' })
  @IsInt()
  @Min(1)
  @Max(256)
  microbatchMaxBatch!: number;

  @EnvVar({
    name: 'PARAKEET_MICROBATCH_MAX_AUDIO_S',
    kind: 'number',
    default: '60',
    description:
      'On the CPU, most seconds of audio one batch holds (0: no bound); a batch there also holds only clips of like length (at most 2× apart). A lane is free again after one such batch, so a short request arriving beside long uploads waits at most that long. Not applied where batching pays (GPU).',
  })
  @IsNumber()
  @Min(0)
  microbatchMaxAudioS!: number;

  @EnvVar({
    name: 'PARAKEET_EXPRESS_LANES',
    kind: 'int-or-auto',
    default: 'auto',
    description:
      'Runner lanes added to PARAKEET_LANES and kept for short work (clips of at most 10 s, realtime turns): batches of longer audio never take them, so a short request beside long uploads starts at once instead of waiting for a long batch to end. `auto`: 1 on the CPU when memory holds one more lane, 0 on a GPU (its batches are short, and fair turns suffice).',
  })
  @ValidateIf((o: SchedulingVariables) => o.expressLanes !== 'auto')
  @IsInt()
  @Min(0)
  @Max(8)
  expressLanes!: number | 'auto';

  @EnvVar({
    name: 'PARAKEET_DECODE_CONCURRENCY',
    kind: 'int-or-auto',
    default: 'auto',
    description: 'Most uploads decoded at once (ffmpeg processes and WAV worker jobs); admitted requests beyond it wait for a slot. `auto`: one per usable core.',
  })
  @ValidateIf((o: SchedulingVariables) => o.decodeConcurrency !== 'auto')
  @IsInt()
  @Min(1)
  @Max(256)
  decodeConcurrency!: number | 'auto';

  @EnvVar({
    name: 'PARAKEET_FEATURIZER_THREADS',
    kind: 'int-or-auto',
    default: 'auto',
    description:
      'Threads that compute each clip\'s log-mel features when it is queued, so a lane only runs the model (0: each lane featurizes its own batch). `auto`: 0 on the CPU, where every core already runs a lane; on a GPU the cores left after the lanes and the event loop, 1 to 8.',
  })
  @ValidateIf((o: SchedulingVariables) => o.featurizerThreads !== 'auto')
  @IsInt()
  @Min(0)
  @Max(64)
  featurizerThreads!: number | 'auto';

  @EnvVar({
    name: 'PARAKEET_SHAPE_BUCKETS',
    kind: 'enum',
    values: ['auto', 'off'],
    default: 'auto',
    description:
      'Where the encoder runs padded batches (a GPU): `auto` pads each batch up to whole seconds of audio and up to the next warmed batch size (a power of two up to PARAKEET_MICROBATCH_MAX_BATCH), so traffic meets a few hundred input shapes, each paying ONNX Runtime\'s per-shape cuDNN algorithm search once, instead of a new shape per batch. `off`: exact shapes. No effect on the CPU, where clips run unpadded.',
  })
  @IsIn(['auto', 'off'])
  shapeBuckets!: 'auto' | 'off';
}

