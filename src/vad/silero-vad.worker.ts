import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { SileroBatcher } from './silero-batcher.js';
import { ClipJob, planClipSegments, StreamLane } from './vad-lanes.js';
import type { FromVadWorker, ToVadWorker, VadWorkerOptions } from './vad-protocol.js';

/**
 * Owns the Silero VAD session, whose run() blocks this thread instead of the event loop, and the state of
 * every stream. While any lane has a frame waiting it runs batched steps, yielding between steps so pushes
 * that arrive meanwhile join the next one.
 */
const port = parentPort;
if (!port) throw new Error('silero-vad.worker must run as a worker thread');
const options = workerData as VadWorkerOptions;

/** Clip segments: up to 32, at least 2 s each, each warmed up on the 0.5 s before it. */
const CLIP_SEGMENTS = 32;
const CLIP_WARMUP_FRAMES = 16;
const CLIP_MIN_SEGMENT_FRAMES = 64;

const post = (msg: FromVadWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const sendResult = (id: number, probabilities: Float32Array) => post({ type: 'result', id, probabilities }, [probabilities.buffer as ArrayBuffer]);

const early: ToVadWorker[] = [];
let batcher: SileroBatcher | undefined;
port.on('message', (msg: ToVadWorker) => (batcher ? handle(batcher, msg) : early.push(msg)));

try {
  batcher = await SileroBatcher.load(options.modelPath, options.maxBatch);
} catch (e) {
  post({ type: 'init-error', message: (e as Error).message });
  process.exit(0);
}

const streams = new Map<number, StreamLane>();
const clips = new Map<number, ClipJob>();
let pumping = false;
let stopping = false;

for (const msg of early.splice(0)) handle(batcher, msg);

function handle(vad: SileroBatcher, msg: ToVadWorker): void {
  switch (msg.type) {
    case 'open':
      streams.set(msg.stream, new StreamLane(sendResult, () => streams.delete(msg.stream)));
      return;
    case 'push': {
      const lane = streams.get(msg.stream);
      if (!lane) return;
      lane.append(msg.id, msg.samples);
      vad.enqueue(lane);
      break;
    }
    case 'close':
      streams.get(msg.stream)?.close();
      return;
    case 'clip': {
      const job = new ClipJob(msg.samples, (probabilities) => {
        clips.delete(msg.id);
        sendResult(msg.id, probabilities);
      });
      clips.set(msg.id, job);
      const frames = job.probabilities.length;
      for (const lane of job.lanes(planClipSegments(frames, CLIP_SEGMENTS, CLIP_WARMUP_FRAMES, CLIP_MIN_SEGMENT_FRAMES))) vad.enqueue(lane);
      break;
    }
    case 'cancel': {
      const job = clips.get(msg.id);
      if (!job) return;
      job.cancelled = true;
      clips.delete(msg.id);
      vad.prune();
      return;
    }
    case 'shutdown':
      stopping = true;
      if (!pumping) void stop(vad);
      return;
  }
  if (!pumping && !stopping) void pump(vad);
}

async function pump(vad: SileroBatcher): Promise<void> {
  pumping = true;
  try {
    while (vad.pending && !stopping) {
      await vad.step();
      await nextTurn();
    }
  } catch (e) {
    post({ type: 'fatal', message: (e as Error).message });
    process.exit(1);
  }
  pumping = false;
  if (stopping) await stop(vad);
}

async function stop(vad: SileroBatcher): Promise<void> {
  await vad.release();
  process.exit(0);
}
