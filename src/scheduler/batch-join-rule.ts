import type { QueueItem } from './priority-queue.js';

export type BatchJoinRule<T extends QueueItem> = (item: T, batch: readonly T[]) => boolean;

/** Longest item a CPU batch may hold over its shortest (and the reverse). */
const CPU_LENGTH_RATIO = 2;

/**
 * Which items may share a batch. A batch is answered when all of it is done, so on the CPU (one encoder call per
 * clip: no batching gain for the encoder, only for the decoding loop) an item joins only a batch of like lengths
 * and only while the batch holds at most `maxAudio` samples: a short request is never held back by long chunks,
 * and a lane frees again within one bounded batch. Job work (background) batches only with job work, any lengths. On a GPU (padded encoder) any item joins; fewer, fuller
 * batches are what pays there.
 */
export function batchJoinRule<T extends QueueItem>(batchingPays: boolean, maxAudio: number): BatchJoinRule<T> {
  if (batchingPays) return () => true;
  return (item, batch) => {
    // Job work never rides a live batch (nor live work a job's): a live answer waits for no job chunk.
    if (batch.length && !!item.background !== !!batch[0].background) return false;
    let total = item.length;
    let shortest = item.length;
    let longest = item.length;
    for (const b of batch) {
      total += b.length;
      shortest = Math.min(shortest, b.length);
      longest = Math.max(longest, b.length);
    }
    const bounded = maxAudio <= 0 || total <= maxAudio;
    // Job work has no one waiting on its answer: its batches take any lengths (each clip is encoded unpadded), so
    // a replica's few jobs batch together and the decoding loop runs them at once.
    if (item.background) return bounded;
    return longest <= CPU_LENGTH_RATIO * shortest && bounded;
  };
}
