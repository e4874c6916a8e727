import { IsArray, IsBoolean, IsIn, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RESPONSE_FORMATS, type Granularity, type ResponseFormat } from './formatters.js';

/** The non-file fields of POST /v1/audio/transcriptions, after multipart strings are converted. */
export class TranscriptionRequestDto {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  model?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  language?: string;

  @IsOptional()
  @IsString()
  @MaxLength(8192)
  prompt?: string;

  @IsOptional()
  @IsIn(RESPONSE_FORMATS)
  response_format?: ResponseFormat;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  temperature?: number;

  @IsOptional()
  @IsArray()
  @IsIn(['word', 'segment'], { each: true })
  timestamp_granularities?: Granularity[];

  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  /** 'auto' or {type: 'server_vad', …}; validated by the form reader. */
  @IsOptional()
  chunking_strategy?: 'auto' | { type: 'server_vad'; [key: string]: unknown };
}
