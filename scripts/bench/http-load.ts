import { Agent, request } from 'node:http';

/**
 * One upload the load generator sends: the whole multipart body built once and reused by every request, so the
 * client, which shares the machine with the server, spends almost nothing per request (fetch + FormData cost
 * ≈ 12 % of a core at 30 requests/s, taken from the server under test).
 */
export interface UploadClip {
  id: string;
  body: Buffer;
  contentType: string;
  seconds: number;
}

export interface RequestRecord {
  clip: string;
  status: number;
  latency_ms: number;
  audio_s: number;
  /** `x-batch-size`: how many requests shared this one's inference batch. */
  batch_size: number | null;
  queue_wait_ms: number | null;
  text: string;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  clips: UploadClip[];
  /** Keep starting requests until this long has passed … */
  minSeconds: number;
  /** … and at least this many have started. */
  minRequests: number;
  /** X-Request-Id prefix, to find the server's metric lines of this level. */
  idPrefix: string;
}

export function uploadClip(id: string, bytes: Uint8Array, seconds: number, type: string, ext: string): UploadClip {
  const boundary = `parakeet-bench-${id.replace(/[^\w-]/g, '')}-boundary`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = `${field('model', 'whisper-1')}${field('response_format', 'json')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${id}.${ext}"\r\nContent-Type: ${type}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { id, body, contentType: `multipart/form-data; boundary=${boundary}`, seconds };
}

const agent = new Agent({ keepAlive: true });

/** POST /v1/audio/transcriptions (or, with `path`, the jobs endpoint, which takes the same form) with the prepared body over a kept-alive connection. */
export function postUpload(url: string, clip: UploadClip, requestId: string, path = '/v1/audio/transcriptions'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent, headers: { 'content-type': clip.contentType, 'content-length': clip.body.length, 'x-request-id': requestId } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(clip.body);
  });
}

/** One request (json); latency from send to the last body byte. */
async function transcribe(url: string, clip: UploadClip, requestId: string): Promise<RequestRecord> {
  const t0 = performance.now();
  const res = await postUpload(url, clip, requestId);
  const latency = performance.now() - t0;
  const header = (name: string) => (res.headers[name] === undefined ? null : Number(res.headers[name]));
  // The transcript, or for a refusal the server's error message.
  let text = res.body.slice(0, 300);
  if (res.status === 200) text = (JSON.parse(res.body) as { text: string }).text;
  return { clip: clip.id, status: res.status, latency_ms: latency, audio_s: res.status === 200 ? (header('x-audio-duration') ?? clip.seconds) : 0, batch_size: header('x-batch-size'), queue_wait_ms: header('x-queue-wait-ms'), text };
}

/**
 * A closed loop: `concurrency` clients, each sending its next request as soon as the last one is answered,
 * clips taken round-robin from the list. Refusals (429/503) are recorded and retried after 100 ms.
 */
export async function runClosedLoop(o: LoadOptions): Promise<{ records: RequestRecord[]; wall_s: number }> {
  const records: RequestRecord[] = [];
  let started = 0;
  const t0 = performance.now();
  const more = () => started < o.minRequests || performance.now() - t0 < o.minSeconds * 1000;
  const client = async (w: number) => {
    while (more()) {
      const n = started++;
      const clip = o.clips[(n + w * 7) % o.clips.length];
      let record: RequestRecord;
      try {
        record = await transcribe(o.url, clip, `${o.idPrefix}-${n}`);
      } catch (e) {
        record = { clip: clip.id, status: 0, latency_ms: 0, audio_s: 0, batch_size: null, queue_wait_ms: null, text: `${(e as Error).message}` };
      }
      records.push(record);
      if (record.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => client(w)));
  return { records, wall_s: (performance.now() - t0) / 1000 };
}
