export interface ChunkSpan {
  /** First sample. */
  start: number;
  /** One past the last sample. */
  end: number;
}

/**
 * Overlapping windows of at most `chunk` samples that cover `length`, stepping by chunk − overlap; the last
 * window is stretched back to full size rather than left as a short tail with little context.
 */
export function planChunks(length: number, chunk: number, overlap: number): ChunkSpan[] {
  if (length <= chunk) return [{ start: 0, end: length }];
  const step = chunk - overlap;
  const spans: ChunkSpan[] = [];
  for (let start = 0; ; start += step) {
    if (start + chunk >= length) {
      spans.push({ start: Math.max(0, length - chunk), end: length });
      break;
    }
    spans.push({ start, end: start + chunk });
  }
  return spans;
}
