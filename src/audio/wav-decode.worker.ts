import { decodeWav, type WavDecodeRequest, type WavDecodeResult } from './wav-decode.task.js';

/** Piscina entry point: runs the WAV fast path off the event loop. */
export default function run(request: WavDecodeRequest): Promise<WavDecodeResult> {
  return decodeWav(request);
}
