import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import multipart from '@fastify/multipart';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { ApiError } from '../src/common/api-error.js';
import { RESPONSE_FORMATS } from '../src/transcription/formatters.js';
import { readTranscriptionForm } from '../src/transcription/transcription-form.js';
import { multipartBody, type Part } from './helpers/multipart.js';

/**
 * Property tests for the multipart form reader (src/transcription/transcription-form.ts). Fastify's `inject`
 * cannot run under Jest here (light-my-request requires the ESM-only `cookie` 2), so this is over HTTP on
 * loopback, with a bounded number of runs: a bare Fastify (no model, starts in milliseconds) with
 * @fastify/multipart registered as app.factory.ts registers it and a route that runs readTranscriptionForm.
 * Errors are answered as OpenAiExceptionFilter answers them: an ApiError with its status, another error with a
 * 4xx `statusCode` (Fastify's and the plugin's own) with that, anything else 500.
 */

const MAX_UPLOAD = 64 * 1024;
/** The limits app.factory.ts gives @fastify/multipart (fileSize there is PARAKEET_MAX_UPLOAD_MB). */
const LIMITS = { fileSize: MAX_UPLOAD, files: 2, fields: 64, fieldSize: 64 * 1024, parts: 100, headerPairs: 100 };
/** A normal request is answered in a few milliseconds; one that takes this long is stuck. */
const STUCK_MS = 3000;

interface Answer {
  status: number;
  body: { file?: string; filename?: string; fields?: Record<string, unknown>; code?: string | null; param?: string | null; message?: string; unexpected?: string };
}

let app: FastifyInstance;
let url = '';

beforeAll(async () => {
  app = Fastify({ bodyLimit: MAX_UPLOAD + 64 * 1024 });
  await app.register(multipart, { limits: LIMITS });
  app.post('/form', async (request, reply) => {
    try {
      const form = await readTranscriptionForm(request, MAX_UPLOAD);
      return reply.send({ file: form.file.toString('base64'), filename: form.filename, fields: { ...form.fields } });
    } catch (e) {
      if (e instanceof ApiError) return reply.code(e.status).send({ code: e.code, param: e.param, message: e.message });
      const status = (e as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) return reply.code(status).send({ code: null, param: null, message: (e as Error).message });
      return reply.code(500).send({ unexpected: `${(e as Error).name}: ${(e as Error).message}` });
    }
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(() => app.close());

async function post(body: Buffer, contentType: string): Promise<Answer> {
  try {
    const res = await fetch(`${url}/form`, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(STUCK_MS) });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') return { status: -1, body: { unexpected: `no answer within ${STUCK_MS} ms` } };
    throw e;
  }
}

/** Never a 5xx, never stuck: the client's mistake is always a 4xx. */
function expectAnswered(answer: Answer): void {
  expect([answer.status, answer.body.unexpected]).toEqual([answer.status >= 200 && answer.status < 500 ? answer.status : 'a 2xx or 4xx', undefined]);
}

const boundaryArb = fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,40}$/).map((s) => `fc-${s}`);
const fileBytes = fc.uint8Array({ maxLength: 4096 });
/** Field values: any Unicode text without CR/LF runs that could form a boundary line. */
const textValue = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
// busboy keeps only a filename's basename, so "." and ".." (path steps) come back empty: not generated.
const filenameArb = fc.stringMatching(/^[\w .-]{1,30}$/).filter((f) => f !== '.' && f !== '..');

describe('readTranscriptionForm (properties, over loopback HTTP)', () => {
  it('a valid form round-trips: the file byte for byte, its name, and every field typed', async () => {
    const fieldsArb = fc.record(
      {
        model: textValue(40),
        language: fc.constantFrom('en', 'EN', 'english', 'en-us', 'eng'),
        prompt: textValue(200),
        response_format: fc.constantFrom(...RESPONSE_FORMATS),
        temperature: fc.double({ min: 0, max: 1, noNaN: true }).map(Math.abs),
        stream: fc.boolean(),
        timestamp_granularities: fc.subarray(['word', 'segment'], { minLength: 1 }),
      },
      { requiredKeys: [] },
    );
    const unknownArb = fc.array(fc.tuple(fc.stringMatching(/^x_[a-z0-9_]{1,10}$/), textValue(20)), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(boundaryArb, fileBytes, filenameArb, fieldsArb, unknownArb, fc.boolean(), fc.nat(), async (boundary, file, filename, fields, unknown, bracketed, seed) => {
        const parts: Part[] = [];
        for (const [k, v] of Object.entries(fields)) {
          if (k === 'timestamp_granularities') for (const g of v as string[]) parts.push({ name: bracketed ? 'timestamp_granularities[]' : k, body: g });
          else parts.push({ name: k, body: String(v) });
        }
        const uniqueUnknown = [...new Map(unknown).entries()];
        for (const [k, v] of uniqueUnknown) parts.push({ name: k, body: v });
        // The file part anywhere among the fields.
        parts.splice(seed % (parts.length + 1), 0, { name: 'file', filename, type: 'audio/wav', body: file });
        const answer = await post(multipartBody(parts, boundary), `multipart/form-data; boundary=${boundary}`);
        expect([answer.status, answer.body.message]).toEqual([200, undefined]);
        expect(Buffer.from(answer.body.file!, 'base64').equals(Buffer.from(file))).toBe(true);
        expect(answer.body.filename).toBe(filename);
        expect(answer.body.fields).toMatchObject(fields);
      }),
      { numRuns: 100 },
    );
  });

  it('any field given twice is a 400 naming it', async () => {
    const name = fc.oneof(fc.constantFrom('model', 'language', 'prompt', 'response_format', 'temperature', 'stream', 'chunking_strategy'), fc.stringMatching(/^x_[a-z]{1,8}$/));
    await fc.assert(
      fc.asyncProperty(name, textValue(10), textValue(10), fc.boolean(), async (field, a, b, fileFirst) => {
        const parts: Part[] = [{ name: field, body: a }, { name: field, body: b }];
        parts.splice(fileFirst ? 0 : 2, 0, { name: 'file', filename: 'a.wav', body: new Uint8Array(8) });
        const answer = await post(multipartBody(parts, 'dup'), 'multipart/form-data; boundary=dup');
        expect([answer.status, answer.body.param]).toEqual([400, field]);
      }),
      { numRuns: 150 },
    );
  });

  it('any well-formed form, whatever its parts, names and values: a 2xx or a 4xx, never a 5xx', async () => {
    const nameArb = fc.oneof(
      fc.constantFrom('file', 'model', 'temperature', 'stream', 'response_format', 'timestamp_granularities[]', 'chunking_strategy', 'chunking_strategy[type]', 'chunking_strategy[threshold]', 'language', 'prompt'),
      fc.stringMatching(/^[\w\[\].-]{1,20}$/),
      fc.constant(undefined),
    );
    const partArb: fc.Arbitrary<Part> = fc.record(
      {
        name: nameArb,
        filename: fc.option(filenameArb, { nil: undefined }),
        type: fc.option(fc.constantFrom('audio/wav', 'text/plain', 'application/octet-stream', 'application/json'), { nil: undefined }),
        body: fc.oneof(textValue(30), fc.uint8Array({ maxLength: 256 }), fc.constantFrom('server_vad', 'auto', '{"type":"server_vad"}', 'true', '0.5', 'word,segment', '')),
      },
      { requiredKeys: ['body'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(partArb, { maxLength: 8 }), async (parts) => {
        expectAnswered(await post(multipartBody(parts, 'anyform'), 'multipart/form-data; boundary=anyform'));
      }),
      { numRuns: 150 },
    );
  });

  it('a valid form cut short anywhere: a 4xx (or the form, when only the final CRLF is gone), never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, fc.nat(), async (file, cut) => {
        const body = multipartBody([{ name: 'model', body: 'whisper-1' }, { name: 'file', filename: 'a.wav', body: file }, { name: 'language', body: 'en' }], 'cut');
        const at = cut % body.length;
        const answer = await post(body.subarray(0, at), 'multipart/form-data; boundary=cut');
        expectAnswered(answer);
        if (at < body.length - 2) expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary bytes declared as multipart: a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), textValue(200).map((s) => Buffer.from(s))), async (bytes) => {
        expectAnswered(await post(Buffer.from(bytes), 'multipart/form-data; boundary=xyz'));
      }),
      { numRuns: 100 },
    );
  });

  it('a content-type whose boundary is missing, empty or not the body\'s: a 4xx, never a 5xx', async () => {
    const body = multipartBody([{ name: 'file', filename: 'a.wav', body: new Uint8Array(64) }], 'real');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=other', 'multipart/form-data; charset=utf-8', 'multipart/form-data; boundary="'), async (contentType) => {
        expectAnswered(await post(body, contentType));
      }),
      { numRuns: 5 },
    );
  });

  it('parts with odd or missing headers and bodies up to 48 kB: always answered (no stall), never a 5xx', async () => {
    const headersArb = fc.constantFrom(
      'Content-Disposition: form-data; name="file"; filename="a.wav"\r\n',
      'Content-Disposition: form-data; name="prompt"\r\n',
      'Content-Disposition: form-data\r\n',
      'Content-Disposition: attachment; name="file"\r\n',
      'Content-Disposition form-data name=file\r\n',
      'X-Junk: yes\r\n',
      '',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(headersArb, fc.integer({ min: 0, max: 48 * 1024 })), { minLength: 1, maxLength: 3 }), async (parts) => {
        const body = multipartBody(parts.map(([headers, size]) => ({ headers, body: new Uint8Array(size).fill(0x41) })), 'odd');
        expectAnswered(await post(body, 'multipart/form-data; boundary=odd'));
      }),
      // A stalled run costs STUCK_MS; report the first one found rather than shrinking through many more.
      { numRuns: 60, endOnFailure: true },
    );
  });
});
