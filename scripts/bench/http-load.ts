/** One upload the load generator sends: the bytes once as a Blob, reused by every request. */
export interface UploadClip {
  id: string;
  blob: Blob;
  filename: string;
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
  return { id, blob: new Blob([bytes], { type }), filename: `${id}.${ext}`, seconds };
}

/** POST /v1/audio/transcriptions (json) over fetch; latency from send to the last body byte. */
async function transcribe(url: string, clip: UploadClip, requestId: string): Promise<RequestRecord> {
  const form = new FormData();
  form.append('file', clip.blob, clip.filename);
  form.append('model', 'whisper-1');
  form.append('response_format', 'json');
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form, headers: { 'x-request-id': requestId } });
  const body = await res.text();
  const latency = performance.now() - t0;
  const header = (name: string) => (res.headers.get(name) === null ? null : Number(res.headers.get(name)));
  // The transcript, or for a refusal the server's error message.
  let text = body.slice(0, 300);
  if (res.status === 200) text = (JSON.parse(body) as { text: string }).text;
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
