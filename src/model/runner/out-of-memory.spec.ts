import type { Transcript } from '../../asr/transcript.js';
import { isOutOfMemory, runSplittingOnOom } from './out-of-memory.js';
import type { BatchResult } from './runner-protocol.js';

const result = (items: number[]): BatchResult => ({
  transcripts: items.map((i) => ({ text: `clip ${i}` }) as unknown as Transcript),
  timings: { featurizeMs: 1, encoderMs: 2, decodeMs: 3, totalMs: 6 },
});

describe('out-of-memory batch splitting', () => {
  it('recognises the allocation failures ONNX Runtime reports, and nothing else', () => {
    expect(isOutOfMemory(new Error('Non-zero status code returned while running Conv node. CUDA failure 2: out of memory ; GPU=0'))).toBe(true);
    expect(isOutOfMemory(new Error('Failed to allocate memory for requested buffer of size 8589934592'))).toBe(true);
    expect(isOutOfMemory(new Error('CUBLAS failure 3: CUBLAS_STATUS_ALLOC_FAILED'))).toBe(true);
    expect(isOutOfMemory(new Error('Got invalid dimensions for input: length'))).toBe(false);
    expect(isOutOfMemory('out of memory')).toBe(false);
  });

  it('splits a batch that does not fit until the halves do, keeping the clips in order', async () => {
    const seen: number[] = [];
    const splits: number[] = [];
    const run = async (items: number[]) => {
      seen.push(items.length);
      if (items.length > 2) throw new Error('CUDA failure 2: out of memory');
      return result(items);
    };
    const out = await runSplittingOnOom([1, 2, 3, 4, 5], run, (size) => splits.push(size));
    expect(out.transcripts.map((t) => t.text)).toEqual(['clip 1', 'clip 2', 'clip 3', 'clip 4', 'clip 5']);
    expect(splits).toEqual([5, 3]);
    expect(seen).toEqual([5, 3, 2, 1, 2]);
    expect(out.timings.totalMs).toBe(18);
  });

  it('passes other errors and a single clip that does not fit through unchanged', async () => {
    const fail = (message: string) => async () => Promise.reject(new Error(message));
    await expect(runSplittingOnOom([1, 2], fail('invalid dimensions'), () => {})).rejects.toThrow('invalid dimensions');
    await expect(runSplittingOnOom([1], fail('out of memory'), () => {})).rejects.toThrow('out of memory');
  });
});
