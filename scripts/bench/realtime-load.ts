import WebSocket from 'ws';
import { wordErrors } from '../../src/asr/word-error-rate.js';
import { encodePcm16 } from '../../src/audio/pcm16.js';
import { concatenate, speechPieces } from './bench-clips.js';
import { ProcessSampler, type ProcessUsage } from './process-sampler.js';
import type { ServerChild } from './server-child.js';
import { promDelta, scrapeProm } from './server-metrics.js';
import { round1, summarize, type LatencySummary } from './stats.js';

const RATE = 16000;
const CHUNK_MS = 100;

export interface RealtimeRow extends ProcessUsage {
  sessions: number;
  turns_per_session: number;
  /** `speech_stopped` events seen, and how many of those turns got their `completed`. */
  turns: number;
  completed: number;
  /** From `input_audio_buffer.speech_stopped` to that item's `…input_audio_transcription.completed`, at the client. */
  stop_to_completed_ms: LatencySummary;
  partial_deltas: number;
  errors: number;
  wer: number | null;
  mean_batch_size: number | null;
  wall_s: number;
  /** CPU other processes took meanwhile (machine − server − these clients), in % of one core. */
  others_cpu_pct: number;
}

interface Turn {
  samples: Float32Array;
  text: string;
}

/** A session's audio: 0.5 s of silence, then turns of 2.5–4 s of speech each followed by 1.5 s of silence. */
function sessionAudio(session: number, turns: number): { audio: Float32Array; turns: Turn[] } {
  const pieces = speechPieces();
  const list: Turn[] = Array.from({ length: turns }, (_, k) => concatenate(pieces, 2.5 + (k % 3) * 0.75, 5000 + session * 31 + k, { gapS: 0.15, edgeS: 0, pad: false }));
  const lead = 0.5 * RATE;
  const gap = 1.5 * RATE;
  const audio = new Float32Array(lead + list.reduce((s, t) => s + t.samples.length + gap, 0));
  let at = lead;
  for (const t of list) {
    audio.set(t.samples, at);
    at += t.samples.length + gap;
  }
  return { audio, turns: list };
}

interface SessionOutcome {
  latencies: number[];
  turns: number;
  completed: number;
  deltas: number;
  errors: number;
  wordErrors: number;
  words: number;
}

/** One GA transcription session (server VAD, defaults) streaming PCM16 at 16 kHz in 100 ms pieces at 1× speed. */
async function runSession(url: string, index: number, turns: number, delayMs: number): Promise<SessionOutcome> {
  const { audio, turns: spoken } = sessionAudio(index, turns);
  await new Promise((r) => setTimeout(r, delayMs));
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime?intent=transcription`);
  const stopped = new Map<string, number>();
  const completed = new Map<string, { at: number; text: string }>();
  const order: string[] = [];
  let deltas = 0;
  let errors = 0;
  const waitFor = (cond: () => boolean, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const until = Date.now() + timeoutMs;
      const check = () => (cond() || Date.now() > until || ws.readyState === WebSocket.CLOSED ? resolve() : void setTimeout(check, 20));
      check();
    });
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const e = JSON.parse(data.toString()) as { type: string; item_id?: string; transcript?: string };
    if (e.type === 'input_audio_buffer.speech_stopped' && e.item_id) {
      stopped.set(e.item_id, at);
      order.push(e.item_id);
    } else if (e.type === 'conversation.item.input_audio_transcription.completed' && e.item_id) completed.set(e.item_id, { at, text: e.transcript ?? '' });
    else if (e.type === 'conversation.item.input_audio_transcription.delta') deltas++;
    else if (e.type === 'error') errors++;
  });
  ws.on('error', () => errors++);
  let updated = false;
  ws.on('message', (data: Buffer) => {
    if (String(data).includes('"session.updated"')) updated = true;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: RATE } } } } }));
  await waitFor(() => updated, 10_000);
  const step = (RATE * CHUNK_MS) / 1000;
  const t0 = performance.now();
  for (let i = 0, k = 0; i < audio.length; i += step, k++) {
    ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: encodePcm16(audio.subarray(i, i + step)).toString('base64') }));
    const due = t0 + (k + 1) * CHUNK_MS - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  }
  await waitFor(() => order.every((id) => completed.has(id)), 30_000);
  ws.close();
  const latencies = order.filter((id) => completed.has(id)).map((id) => completed.get(id)!.at - stopped.get(id)!);
  const heard = order.map((id) => completed.get(id)?.text ?? '').join(' ');
  const w = wordErrors(spoken.map((t) => t.text).join(' '), heard);
  return { latencies, turns: order.length, completed: latencies.length, deltas, errors, wordErrors: w.errors, words: w.words };
}

/** N sessions at once, their starts spread over one second so turns do not all end together. */
export async function runRealtimeLevel(server: ServerChild, sessions: number, turns: number): Promise<RealtimeRow> {
  const sampler = new ProcessSampler(server.pid);
  const before = await scrapeProm(server.url);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  sampler.start();
  const outcomes = await Promise.all(Array.from({ length: sessions }, (_, i) => runSession(server.url, i, turns, (i * 1000) / sessions)));
  const usage = sampler.stop();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const clientPct = (100 * (cpu.user + cpu.system)) / 1e6 / wallS;
  const prom = promDelta(before, await scrapeProm(server.url));
  const sum = (pick: (o: SessionOutcome) => number) => outcomes.reduce((s, o) => s + pick(o), 0);
  return {
    sessions,
    turns_per_session: turns,
    turns: sum((o) => o.turns),
    completed: sum((o) => o.completed),
    stop_to_completed_ms: summarize(outcomes.flatMap((o) => o.latencies)),
    partial_deltas: sum((o) => o.deltas),
    errors: sum((o) => o.errors),
    wer: round1((100 * sum((o) => o.wordErrors)) / Math.max(1, sum((o) => o.words))),
    mean_batch_size: prom.batch_count ? Math.round((100 * prom.batch_sum) / prom.batch_count) / 100 : null,
    ...usage,
    wall_s: Math.round(wallS * 100) / 100,
    others_cpu_pct: round1(Math.max(0, usage.machine_cpu_pct - usage.cpu_pct - clientPct))!,
  };
}
