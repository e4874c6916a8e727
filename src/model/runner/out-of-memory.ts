import type { BatchResult } from './runner-protocol.js';

// How ONNX Runtime reports an allocation that failed: its arena ("Failed to allocate memory for requested buffer"),
// CUDA ("CUDA failure 2: out of memory", cudaErrorMemoryAllocation), cuBLAS / cuDNN (…_ALLOC_FAILED), std::bad_alloc.
const OUT_OF_MEMORY = /out of memory|failed to allocate|bad_alloc|ALLOC_FAILED|cudaErrorMemoryAllocation/i;

export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && OUT_OF_MEMORY.test(error.message);
}

/**
 * Runs a batch; one that runs out of device memory is split in halves and each half retried (recursively, down to
 * single clips), so a burst of long clips costs time instead of failing every request in it. A single clip that
 * still does not fit fails with the original error.
 */
export async function runSplittingOnOom<T>(items: T[], run: (items: T[]) => Promise<BatchResult>, onSplit: (size: number, error: Error) => void): Promise<BatchResult> {
  try {
    return await run(items);
  } catch (e) {
    if (items.length < 2 || !isOutOfMemory(e)) throw e;
    onSplit(items.length, e as Error);
    const half = Math.ceil(items.length / 2);
    const first = await runSplittingOnOom(items.slice(0, half), run, onSplit);
    const second = await runSplittingOnOom(items.slice(half), run, onSplit);
    const t = first.timings;
    const u = second.timings;
    return {
      transcripts: [...first.transcripts, ...second.transcripts],
      timings: { featurizeMs: t.featurizeMs + u.featurizeMs, encoderMs: t.encoderMs + u.encoderMs, decodeMs: t.decodeMs + u.decodeMs, totalMs: t.totalMs + u.totalMs },
    };
  }
}
