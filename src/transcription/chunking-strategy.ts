import { ApiError } from '../common/api-error.js';
import type { SpeechDetectorSettings } from '../vad/speech-detector.js';
import type { TranscriptionRequestDto } from './transcription-request.dto.js';

/** OpenAI's server_vad defaults for chunking uploads. */
export const SERVER_VAD_DEFAULTS: SpeechDetectorSettings = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 200 };

const FIELDS = [
  { name: 'threshold', key: 'threshold', max: 1 },
  { name: 'prefix_padding_ms', key: 'prefixPaddingMs', max: 10000 },
  { name: 'silence_duration_ms', key: 'silenceDurationMs', max: 10000 },
] as const;

/**
 * The VAD settings of a `server_vad` chunking strategy, defaults filled in; undefined for `auto` or none.
 * Out-of-range or non-numeric values are a 400 naming the field (`chunking_strategy.threshold`, …).
 */
export function serverVadSettings(strategy: TranscriptionRequestDto['chunking_strategy']): SpeechDetectorSettings | undefined {
  if (!strategy || typeof strategy !== 'object' || strategy.type !== 'server_vad') return undefined;
  const settings = { ...SERVER_VAD_DEFAULTS };
  for (const { name, key, max } of FIELDS) {
    const value = strategy[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : String(value).slice(0, 20);
      throw new ApiError(400, `chunking_strategy.${name} must be a number from 0 to ${max}, got ${shown}.`, 'invalid_request', `chunking_strategy.${name}`);
    }
    settings[key] = value;
  }
  return settings;
}
