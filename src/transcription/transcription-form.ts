import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { UploadTooLargeError } from '../audio/audio-errors.js';
import { readLimited } from '../audio/read-limited.js';
import { ApiError } from '../common/api-error.js';
import { TranscriptionRequestDto } from './transcription-request.dto.js';

export interface TranscriptionForm {
  file: Buffer;
  filename?: string;
  fields: TranscriptionRequestDto;
}

const ARRAY_FIELDS = new Set(['timestamp_granularities']);
const NUMBER_FIELDS = new Set(['temperature']);
const BOOLEAN_FIELDS = new Set(['stream']);

const invalid = (message: string, param: string | null = null) => new ApiError(400, message, 'invalid_request', param);

/** Field name as clients spell it: `timestamp_granularities[]` and the bare name are the same field. */
function canonical(name: string): { field: string; key?: string } {
  const nested = /^([a-z_]+)\[([a-z_]*)\]$/.exec(name);
  if (!nested) return { field: name };
  return nested[2] === '' ? { field: nested[1] } : { field: nested[1], key: nested[2] };
}

function convert(field: string, value: string): unknown {
  if (NUMBER_FIELDS.has(field)) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw invalid(`${field} must be a number, got ${JSON.stringify(value.slice(0, 40))}`, field);
    return n;
  }
  if (BOOLEAN_FIELDS.has(field)) {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalid(`${field} must be true or false`, field);
  }
  return value;
}

/**
 * Reads the multipart form: exactly one `file` part, refused while it streams past the upload limit, and
 * the OpenAI fields with the wire spellings SDKs and curl users produce. Unknown fields are ignored, as
 * peers add extensions; a scalar field given twice is an error rather than a guess.
 */
export async function readTranscriptionForm(request: FastifyRequest, maxBytes: number): Promise<TranscriptionForm> {
  if (!request.isMultipart()) {
    throw new ApiError(415, 'The request must be multipart/form-data with the audio in a `file` field.', 'unsupported_media_type');
  }
  let file: Buffer | undefined;
  let filename: string | undefined;
  const raw: Record<string, unknown> = {};
  const chunking: Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw invalid(`Unexpected file field "${part.fieldname.slice(0, 40)}"; send the audio as "file".`, part.fieldname);
      }
      if (file) throw invalid('Only one file may be uploaded per request.', 'file');
      file = await readLimited(part.file, maxBytes);
      if (part.file.truncated) throw new UploadTooLargeError(maxBytes);
      filename = part.filename;
      continue;
    }
    const value = typeof part.value === 'string' ? part.value : String(part.value);
    const { field, key } = canonical(part.fieldname);
    if (field === 'chunking_strategy' && key) {
      chunking[key] = key === 'type' ? value : Number.isFinite(Number(value)) ? Number(value) : value;
      continue;
    }
    if (ARRAY_FIELDS.has(field)) {
      const list = (raw[field] as string[] | undefined) ?? [];
      list.push(...value.split(',').map((v) => v.trim()).filter(Boolean));
      raw[field] = list;
      continue;
    }
    if (field in raw) throw invalid(`The field "${field}" was given more than once.`, field);
    raw[field] = convert(field, value);
  }
  if (!file) throw invalid('A `file` field with the audio is required.', 'file');

  if (Object.keys(chunking).length) raw.chunking_strategy = chunking;
  if (typeof raw.chunking_strategy === 'string' && raw.chunking_strategy !== 'auto') {
    try {
      raw.chunking_strategy = JSON.parse(raw.chunking_strategy);
    } catch {
      throw invalid('chunking_strategy must be "auto" or a server_vad object', 'chunking_strategy');
    }
  }
  const cs = raw.chunking_strategy;
  if (cs !== undefined && cs !== 'auto' && (typeof cs !== 'object' || cs === null || (cs as { type?: unknown }).type !== 'server_vad')) {
    throw invalid('chunking_strategy must be "auto" or an object with type "server_vad"', 'chunking_strategy');
  }

  const fields = plainToInstance(TranscriptionRequestDto, raw);
  const errors = validateSync(fields, { forbidUnknownValues: false });
  if (errors.length) {
    const first = errors[0];
    throw invalid(Object.values(first.constraints ?? { invalid: `${first.property} is invalid` })[0], first.property);
  }
  return { file, filename, fields };
}
