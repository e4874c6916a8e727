import { IsBoolean, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { EnvVar } from './env-var.decorator.js';
import { SchedulingVariables } from './scheduling.schema.js';

/**
 * Asynchronous transcription jobs on Redis (docs/jobs.md). Part of the one schema (EnvironmentVariables extends
 * this class through TlsVariables' chain); kept apart so no schema file outgrows 400 lines.
 */
export class JobsVariables extends SchedulingVariables {
  @EnvVar({
    name: 'PARAKEET_REDIS_URL',
    kind: 'optional-string',
    description:
      'Redis holding the backlog of asynchronous jobs (redis://[user:password@]host:port[/db], rediss:// for TLS). Unset: the /v1/audio/transcriptions/jobs endpoints answer 503 and nothing else changes. Every replica pointed at the same Redis and the same PARAKEET_JOBS_DIR shares one backlog.',
  })
  @IsOptional()
  @Matches(/^(rediss?:\/\/.+)?$/, { message: 'must be a redis:// or rediss:// URL' })
  redisUrl?: string;

  @EnvVar({ name: 'PARAKEET_JOBS_DIR', kind: 'string', default: 'data/jobs', description: "Where job audio and results are stored (a directory every replica shares, e.g. a ReadWriteMany volume). Relative paths are from the server's working directory." })
  @IsString()
  @MinLength(1)
  jobsDir!: string;

  @EnvVar({
    name: 'PARAKEET_JOBS_CONCURRENCY',
    kind: 'int-or-auto',
    default: 'auto',
    description:
      "This replica's job share: jobs it runs at once (at priority low, outside live admission). It takes a new job from the backlog only while it runs fewer; 0 submits and serves jobs but runs none here. `auto`: four per regular lane (PARAKEET_LANES, express lanes not counted; at most PARAKEET_MICROBATCH_MAX_BATCH per lane), so a replica idle of live traffic drains the backlog on every lane in batches. However many run, their decoded audio takes at most a quarter of the memory: a job whose audio does not fit waits, decoded to disk.",
  })
  @ValidateIf((o: JobsVariables) => o.jobsConcurrency !== 'auto')
  @IsInt()
  @Min(0)
  @Max(64)
  jobsConcurrency!: number | 'auto';

  @EnvVar({
    name: 'PARAKEET_JOBS_MIN_SHARE',
    kind: 'number',
    default: '0.1',
    description: "Minimum share of a replica's batches that job work leads while jobs wait (0.1: one batch in ten), so a server busy with live traffic still drains the backlog slowly; otherwise job work runs only when no live work waits (priority low). 0: no minimum.",
  })
  @IsNumber()
  @Min(0)
  @Max(1)
  jobsMinShare!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_MAX_UPLOAD_MB', kind: 'number', default: '2048', description: 'Largest job upload or audio_url download, streamed to PARAKEET_JOBS_DIR (the live limit PARAKEET_MAX_UPLOAD_MB does not apply to jobs).' })
  @IsNumber()
  @Min(0.001)
  jobsMaxUploadMb!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_MAX_AUDIO_SECONDS', kind: 'number', default: '14400', description: 'Longest job audio in seconds (the live limit PARAKEET_MAX_AUDIO_SECONDS does not apply to jobs); long audio is chunked as on the live path.' })
  @IsNumber()
  @Min(1)
  jobsMaxAudioSeconds!: number;

  @EnvVar({
    name: 'PARAKEET_JOBS_DECODE_TIMEOUT_S',
    kind: 'number',
    default: '1800',
    description: "An ffmpeg decode of a job's audio running longer than this fails the job (the live PARAKEET_DECODE_TIMEOUT_S is sized for live uploads; hours of audio take minutes to decode).",
  })
  @IsNumber()
  @Min(1)
  jobsDecodeTimeoutS!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_URL_TIMEOUT_S', kind: 'number', default: '300', description: 'Longest time fetching one audio_url may take (redirects included) before the submission is refused.' })
  @IsNumber()
  @Min(1)
  jobsUrlTimeoutS!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_RETENTION_H', kind: 'number', default: '168', description: 'Hours a finished job (its record, audio and result) is kept before it is removed.' })
  @IsNumber()
  @Min(0.001)
  jobsRetentionH!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_MAX_QUEUED', kind: 'int', default: '1000', description: 'Quota: most jobs one API key (or, without keys, all clients together) may have queued or running; more are answered 429.' })
  @IsInt()
  @Min(1)
  jobsMaxQueued!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_ATTEMPTS', kind: 'int', default: '3', description: 'Times a job is tried when a run fails for a reason other than its audio (undecodable audio fails at once).' })
  @IsInt()
  @Min(1)
  @Max(20)
  jobsAttempts!: number;

  @EnvVar({
    name: 'PARAKEET_JOBS_LOCK_S',
    kind: 'number',
    default: '30',
    description: "How long a replica's claim on a running job lasts without renewal (renewed every half of it while the replica lives). A replica that dies mid-job (or mid-webhook delivery) leaves it to another replica after about this long.",
  })
  @IsNumber()
  @Min(1)
  jobsLockS!: number;

  @EnvVar({ name: 'PARAKEET_JOBS_WEBHOOK_SECRET', kind: 'optional-string', description: 'Secret signing webhook deliveries (HMAC-SHA256 of `timestamp.body`, header `X-Parakeet-Signature`). Unset: webhooks are refused (400).' })
  @IsOptional()
  @IsString()
  jobsWebhookSecret?: string;

  @EnvVar({
    name: 'PARAKEET_JOBS_ALLOW_PRIVATE_URLS',
    kind: 'bool',
    default: 'false',
    description: 'Let audio_url and webhook_url reach private, loopback and link-local addresses (refused by default: the server would otherwise fetch from inside its own network for anyone who can submit a job).',
  })
  @IsBoolean()
  jobsAllowPrivateUrls!: boolean;
}
