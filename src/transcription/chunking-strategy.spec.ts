import { describe, expect, it } from '@jest/globals';
import { ApiError } from '../common/api-error.js';
import { SERVER_VAD_DEFAULTS, serverVadSettings } from './chunking-strategy.js';

describe('serverVadSettings', () => {
  it('is undefined for auto or no strategy, and fills server_vad defaults', () => {
    expect(serverVadSettings(undefined)).toBeUndefined();
    expect(serverVadSettings('auto')).toBeUndefined();
    expect(serverVadSettings({ type: 'server_vad' })).toEqual(SERVER_VAD_DEFAULTS);
    expect(serverVadSettings({ type: 'server_vad', threshold: 0, prefix_padding_ms: 10000, silence_duration_ms: 350 })).toEqual({ threshold: 0, prefixPaddingMs: 10000, silenceDurationMs: 350 });
  });

  it.each([
    ['threshold', 1.01],
    ['threshold', -0.1],
    ['threshold', '0.5'],
    ['threshold', Number.NaN],
    ['prefix_padding_ms', 10001],
    ['silence_duration_ms', -5],
    ['silence_duration_ms', null],
  ])('refuses %s = %p with a 400 naming it', (name, value) => {
    let error: unknown;
    try {
      serverVadSettings({ type: 'server_vad', [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, param: `chunking_strategy.${name}` });
  });
});
