import type { BenchClip } from './bench-clips.js';
import { postUpload, uploadClip } from './http-load.js';
import { median, round1 } from './stats.js';

export interface SingleRequestProbe {
  pairs: number;
  /** Median over clips of (service latency at concurrency 1 − the model's own batch-1 time for that clip). */
  p50: number | null;
  model_single_ms_p50: number | null;
  service_p50_ms: number | null;
}

/**
 * What a lone request costs beyond the model: each clip once over HTTP to the idle server and once through a
 * lane like the service's (`modelMs` answers the engine's own time), back to back, so both see the same load on a
 * shared machine.
 */
export async function probeSingleRequests(url: string, modelMs: (samples: Float32Array) => Promise<number>, clips: BenchClip[]): Promise<SingleRequestProbe> {
  const excess: number[] = [];
  const model: number[] = [];
  const service: number[] = [];
  for (const clip of clips) {
    await modelMs(clip.samples);
    const upload = uploadClip(clip.id, clip.wav, clip.seconds, 'audio/wav', 'wav');
    const t0 = performance.now();
    const res = await postUpload(url, upload, `bench-single-${clip.id}`);
    const serviceMs = performance.now() - t0;
    if (res.status !== 200) continue;
    const ms = await modelMs(clip.samples);
    excess.push(serviceMs - ms);
    model.push(ms);
    service.push(serviceMs);
  }
  const pick = (xs: number[]) => (xs.length ? round1(median(xs)) : null);
  return { pairs: excess.length, p50: pick(excess), model_single_ms_p50: pick(model), service_p50_ms: pick(service) };
}
