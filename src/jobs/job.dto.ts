import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ErrorObjectDto } from '../common/api-error.dto.js';
import { TranscriptionRequestDto } from '../transcription/transcription-request.dto.js';
import { JOB_STATUSES, type JobStatus, type JobView } from './job-record.js';

/**
 * The jobs endpoints' bodies as OpenAPI schemas. The form is read and checked by readFormFields with
 * TranscriptionRequestDto, as the live endpoint's is; these classes describe it (and the answers) for /docs.
 * JobDto implements JobView, so a field added to the job object and not here fails to compile.
 */
export class JobSubmitDto extends OmitType(TranscriptionRequestDto, ['file', 'stream'] as const) {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'The audio (or give audio_url): any container ffmpeg reads. Streamed to the job store; PARAKEET_JOBS_MAX_UPLOAD_MB.' })
  file?: unknown;

  @ApiPropertyOptional({ format: 'uri', description: 'Instead of file: an http(s) URL the server fetches at submission (redirects followed; private, loopback and link-local addresses refused unless PARAKEET_JOBS_ALLOW_PRIVATE_URLS).' })
  audio_url?: string;

  @ApiPropertyOptional({ format: 'uri', description: 'Receives the final state (completed or failed), signed with PARAKEET_JOBS_WEBHOOK_SECRET (X-Parakeet-Signature, X-Parakeet-Timestamp); same address checks as audio_url.' })
  webhook_url?: string;
}

export class JobDto implements JobView {
  @ApiProperty({ example: 'job_0mhx3k2a95f1c2d3e4f5a6b7c8' })
  id!: string;

  @ApiProperty({ enum: ['transcription.job'] })
  object!: string;

  @ApiProperty({ enum: JOB_STATUSES })
  status!: JobStatus;

  @ApiProperty({ type: 'string', nullable: true, description: 'The model field as submitted.' })
  model!: string | null;

  @ApiProperty({ description: 'The format the result is given in by default.' })
  response_format!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The uploaded file name, or the last path segment of audio_url.' })
  filename!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  created_at!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds the latest run started.' })
  started_at!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds it reached completed, failed or cancelled.' })
  finished_at!: number | null;

  @ApiProperty({ type: 'integer', description: 'Runs started (a retry after a failure or a lost replica adds one; a job handed back at shutdown does not).' })
  attempts!: number;

  @ApiProperty({ minimum: 0, maximum: 1 })
  progress!: number;

  @ApiProperty({ type: 'number', nullable: true, description: 'Decoded length, once known.' })
  audio_seconds!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  webhook_url!: string | null;

  @ApiProperty({ type: ErrorObjectDto, nullable: true, description: 'Why a failed job failed: the error the live endpoint would have answered.' })
  error!: ErrorObjectDto | null;
}

export class JobListDto {
  @ApiProperty({ enum: ['list'] })
  object!: 'list';

  @ApiProperty({ type: [JobDto], description: 'Newest first.' })
  data!: JobDto[];

  @ApiProperty({ type: 'string', nullable: true })
  first_id!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `after` for the next page.' })
  last_id!: string | null;

  @ApiProperty()
  has_more!: boolean;
}

export class JobDeletedDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['transcription.job'] })
  object!: 'transcription.job';

  @ApiProperty({ enum: [true] })
  deleted!: true;
}
