import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { MultipartFile } from '@fastify/multipart';
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

/** The `file` part of a form: where its bytes go is the caller's (memory for live requests, the store for jobs). */
export type FilePart = MultipartFile;

interface FormState {
  raw: Record<string, unknown>;
  chunking: Record<string, unknown>;
  hasFile: boolean;
}

async function readParts(request: FastifyRequest, form: FormState, takeFile: (part: FilePart) => Promise<void>, limits?: { fileSize: number }): Promise<void> {
  const { raw, chunking } = form;
  for await (const part of request.parts(limits ? { limits } : undefined)) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        part.file.resume();
        const name = part.fieldname ?? '';
        throw invalid(`Unexpected file field "${name.slice(0, 40)}"; send the audio as "file".`, name || null);
      }
      if (form.hasFile) throw invalid('Only one file may be uploaded per request.', 'file');
      form.hasFile = true;
      await takeFile(part);
      continue;
    }
    // A part sent as application/json arrives parsed; the fields are read from their text either way.
    const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
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
}

/** How long the parser may sit on received bytes without taking them before the form counts as malformed. */
const STALL_MS = 500;

/**
 * The form, or a 400 once the parser has stopped taking the body: busboy stalls (no end, no error) on a part
 * without a usable Content-Disposition, which would hold the request forever. A stall shows as bytes that sit
 * unread (or a fully received body) while the parser makes no progress; a client that is merely slow leaves
 * nothing unread, so it is not mistaken for one.
 */
async function untilFormRead(request: FastifyRequest, reading: Promise<void>): Promise<void> {
  const raw = request.raw;
  let stalled: (e: Error) => void = () => {};
  const watchdog = new Promise<never>((_, reject) => (stalled = reject));
  let last = { unread: -1, read: -1, since: performance.now() };
  const poll = setInterval(() => {
    const state = { unread: raw.readableLength, read: raw.socket?.bytesRead ?? 0 };
    // Bytes are waiting on the parser: unread in the request, or held back by backpressure, or all received.
    const waiting = raw.readableEnded || state.unread > 0 || raw.readableFlowing === false;
    if (!waiting || state.unread !== last.unread || state.read !== last.read) {
      last = { ...state, since: performance.now() };
      return;
    }
    if (performance.now() - last.since >= STALL_MS) stalled(invalid('The multipart body is malformed: a part has no usable Content-Disposition header.'));
  }, 100);
  try {
    await Promise.race([reading, watchdog]);
  } finally {
    clearInterval(poll);
    reading.catch(() => {});
  }
}

/** Parser errors (bad boundary, truncated body, invalid JSON part) are the client's: 400, not 500. */
function asFormError(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  const status = typeof e === 'object' && e !== null && 'statusCode' in e ? (e as { statusCode: unknown }).statusCode : undefined;
  if (status === 413) return e;
  const detail = e instanceof Error ? e.message.replace(/[^\w .,:;'"()-]/g, '').slice(0, 120) : 'unreadable';
  return invalid(`The multipart body is malformed: ${detail}.`);
}

/** chunking_strategy as JSON: only its known keys, each a plain value (a deep object never reaches the validator). */
function chunkingObject(value: unknown): Record<string, unknown> {
  const known = ['type', 'threshold', 'prefix_padding_ms', 'silence_duration_ms'];
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') throw invalid(`chunking_strategy.${key} must be a number or string`, `chunking_strategy.${key}`);
    out[key] = v;
  }
  return out;
}

/**
 * Reads the multipart form: exactly one `file` part, refused while it streams past the upload limit, and
 * the OpenAI fields with the wire spellings SDKs and curl users produce. Unknown fields are ignored, as
 * peers add extensions; a scalar field given twice is an error rather than a guess.
 */
export async function readTranscriptionForm(request: FastifyRequest, maxBytes: number): Promise<TranscriptionForm> {
  let file: Buffer | undefined;
  let filename: string | undefined;
  const { fields } = await readFormFields(request, async (part) => {
    file = await readLimited(part.file, maxBytes);
    if (part.file.truncated) throw new UploadTooLargeError(maxBytes);
    filename = part.filename;
  });
  if (!file) throw invalid('A `file` field with the audio is required.', 'file');
  return { file, filename, fields };
}

/**
 * The form's fields, validated as the OpenAI ones, with its `file` part handed to `takeFile` as it streams (at
 * most `limits.fileSize` bytes; default: the server's live upload limit). `raw` also holds fields the DTO does not
 * know (jobs read `webhook_url` and `audio_url` from it).
 */
export async function readFormFields(request: FastifyRequest, takeFile: (part: FilePart) => Promise<void>, limits?: { fileSize: number }): Promise<{ fields: TranscriptionRequestDto; raw: Record<string, unknown> }> {
  if (!request.isMultipart()) {
    throw new ApiError(415, 'The request must be multipart/form-data with the audio in a `file` field.', 'unsupported_media_type');
  }
  const form: FormState = { raw: {}, chunking: {}, hasFile: false };
  try {
    await untilFormRead(request, readParts(request, form, takeFile, limits));
  } catch (e) {
    throw asFormError(e);
  }
  const { raw, chunking } = form;

  if (Object.keys(chunking).length) raw.chunking_strategy = chunking;
  if (typeof raw.chunking_strategy === 'string' && raw.chunking_strategy !== 'auto') {
    try {
      raw.chunking_strategy = JSON.parse(raw.chunking_strategy);
    } catch {
      throw invalid('chunking_strategy must be "auto" or a server_vad object', 'chunking_strategy');
    }
  }
  const cs = raw.chunking_strategy;
  if (cs !== undefined && cs !== 'auto' && (typeof cs !== 'object' || cs === null || Array.isArray(cs) || (cs as { type?: unknown }).type !== 'server_vad')) {
    throw invalid('chunking_strategy must be "auto" or an object with type "server_vad"', 'chunking_strategy');
  }
  if (cs !== undefined && cs !== 'auto') raw.chunking_strategy = chunkingObject(cs);

  const fields = plainToInstance(TranscriptionRequestDto, raw);
  const errors = validateSync(fields, { forbidUnknownValues: false });
  if (errors.length) {
    const first = errors[0];
    throw invalid(Object.values(first.constraints ?? { invalid: `${first.property} is invalid` })[0], first.property);
  }
  return { fields, raw };
}
