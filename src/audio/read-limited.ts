import { UploadTooLargeError } from './audio-errors.js';

/**
 * Reads a streamed upload into memory, refusing it the moment it passes `maxBytes` instead of buffering
 * the rest; the source is destroyed so the socket stops delivering.
 */
export async function readLimited(source: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void }, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) {
      const error = new UploadTooLargeError(maxBytes);
      source.destroy?.(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
