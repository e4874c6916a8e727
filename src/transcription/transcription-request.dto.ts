import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RESPONSE_FORMATS, type Granularity, type ResponseFormat } from './formatters.js';

/** The non-file fields of POST /v1/audio/transcriptions, after multipart strings are converted. */
export class TranscriptionRequestDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The audio: any container ffmpeg reads (wav, flac, mp3, ogg, opus, webm, m4a, mp4, …).' })
  file?: unknown;

  @ApiPropertyOptional({ example: 'whisper-1', description: 'Any id maps to the served model unless PARAKEET_STRICT_MODEL=1.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  model?: string;

  @ApiPropertyOptional({ example: 'en', description: 'English only.' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  language?: string;

  @ApiPropertyOptional({ description: 'Accepted for compatibility; not used by the transducer.' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  prompt?: string;

  @ApiPropertyOptional({ enum: RESPONSE_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(RESPONSE_FORMATS)
  response_format?: ResponseFormat;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0, description: 'Accepted; it does not change decoding, which the server sets (PARAKEET_DECODING).' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  temperature?: number;

  @ApiPropertyOptional({ name: 'timestamp_granularities[]', type: [String], enum: ['word', 'segment'], description: 'verbose_json only; the bare name is accepted too.' })
  @IsOptional()
  @IsArray()
  @IsIn(['word', 'segment'], { each: true })
  timestamp_granularities?: Granularity[];

  @ApiPropertyOptional({ default: false, description: 'Server-Sent Events: transcript.text.delta per decoded chunk, then transcript.text.done.' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  /** 'auto' or {type: 'server_vad', …}; validated by the form reader. */
  @ApiPropertyOptional({
    description:
      '"auto" (fixed overlapping windows) or {"type": "server_vad", "threshold"?: 0–1, "prefix_padding_ms"?: 0–10000, "silence_duration_ms"?: 0–10000} (also flattened as chunking_strategy[type]=server_vad): audio longer than PARAKEET_CHUNK_SECONDS is cut at pauses found by Silero VAD.',
    type: 'string',
  })
  @IsOptional()
  chunking_strategy?: 'auto' | { type: 'server_vad'; [key: string]: unknown };
}
