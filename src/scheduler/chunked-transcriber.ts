import { Injectable } from '@nestjs/common';
import { TranscriptStitcher } from '../asr/stitch-transcripts.js';
import { TARGET_RATE } from '../audio/resampler.js';
import { AppConfig } from '../config/app-config.js';
import { planChunks, type ChunkSpan } from './chunk-plan.js';
import { MicrobatchScheduler, type ScheduledResult } from './microbatch-scheduler.js';
import type { FlowKey, Priority } from './priority-queue.js';
import type { Samples } from '../asr/samples.js';

export interface ChunkedOptions {
  priority: Priority;
  signal?: AbortSignal;
  /** Whose request this is: its chunks take their turns as one request of this client. */
  flow?: FlowKey;
  /** Where to cut (samples at 16 kHz, in order, covering the audio); default: overlapping fixed-size chunks. */
  spans?: ChunkSpan[];
  /** Called with each piece of text as soon as the chunk holding it is decoded (streaming). */
  onText?: (delta: string) => void;
  /** Called as each chunk's transcript is taken, in order, with the chunks done and their total (job progress). */
  onChunk?: (done: number, total: number) => void;
  /** Whether the first chunk waits under PARAKEET_MAX_QUEUE_WAIT_S (default true; jobs wait as long as it takes). */
  waitLimited?: boolean;
  /** An asynchronous job's audio (see SubmitOptions.background). */
  background?: boolean;
}

let untracked = 0;

/**
 * 16 kHz audio of any length → one transcript. Audio that fits PARAKEET_CHUNK_SECONDS is one request; longer
 * audio becomes chunks that ride the microbatches like any request and are stitched by timestamps.
 */
@Injectable()
export class ChunkedTranscriber {
  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: MicrobatchScheduler,
  ) {}

  async transcribe(samples: Samples, options: ChunkedOptions): Promise<ScheduledResult> {
    const { priority, signal, onText, onChunk, waitLimited = true, background } = options;
    const flow = options.flow ?? { client: priority, request: `${priority}-${++untracked}` };
    const rate = TARGET_RATE;
    const spans = options.spans ?? planChunks(samples.length, Math.round(this.config.chunkSeconds * rate), Math.round(this.config.chunkOverlapSeconds * rate));
    // The first chunk of an upload waits under PARAKEET_MAX_QUEUE_WAIT_S; once it has reached the model the
    // request is under way, and its later chunks follow without a clock. Realtime turns are never timed out.
    const submit = (span: ChunkSpan, k: number) =>
      this.scheduler.submit(samples.subarray(span.start, span.end), { priority, signal, flow, background, waitLimited: waitLimited && k === 0 && priority !== 'realtime' });
    if (spans.length === 1 && spans[0].start === 0 && spans[0].end === samples.length) {
      const one = await submit(spans[0], 0);
      onChunk?.(1, 1);
      onText?.(one.transcript.text);
      return one;
    }
    const pending = spans.map(submit);
    pending.forEach((p) => p.catch(() => {}));
    const stitcher = new TranscriptStitcher();
    const results: ScheduledResult[] = [];
    let emitted = false;
    for (let k = 0; k < pending.length; k++) {
      const result = await pending[k];
      results.push(result);
      onChunk?.(k + 1, pending.length);
      const added = stitcher.add({ transcript: result.transcript, offset: spans[k].start / rate }, spans[k + 1] && spans[k + 1].start / rate);
      const text = added.map((t) => t.text).join('').replace(/\s+/g, ' ');
      const delta = emitted ? text : text.trimStart();
      if (delta.trim()) {
        onText?.(delta);
        emitted = true;
      }
    }
    const transcript = stitcher.finish(samples.length / rate);
    const sum = (pick: (r: ScheduledResult) => number) => results.reduce((s, r) => s + pick(r), 0);
    return {
      transcript,
      timings: {
        featurizeMs: sum((r) => r.timings.featurizeMs),
        encoderMs: sum((r) => r.timings.encoderMs),
        decodeMs: sum((r) => r.timings.decodeMs),
        totalMs: sum((r) => r.timings.totalMs),
      },
      queueWaitMs: Math.max(...results.map((r) => r.queueWaitMs)),
      batchSize: Math.max(...results.map((r) => r.batchSize)),
      lane: results[0].lane,
      chunks: spans.length,
    };
  }
}
