import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { DEFAULT_LAYOUT, transcriptLayout } from './transcript-layout.js';

describe('transcriptLayout', () => {
  it('has the documented defaults: 15 s aimed at, 30 s at most, 0.5 s pauses; 42 characters, 2 lines, 7 s, 20 cps, 0.833 s', () => {
    expect(transcriptLayout(loadConfig({}))).toEqual(DEFAULT_LAYOUT);
    expect(DEFAULT_LAYOUT.segments).toEqual({ targetSeconds: 15, maxSeconds: 30, minPauseSeconds: 0.5 });
    expect(DEFAULT_LAYOUT.subtitles).toMatchObject({ maxLineChars: 42, maxLines: 2, maxCueSeconds: 7, maxCharsPerSecond: 20, minCueSeconds: 0.833 });
  });

  it('takes each rule from its variable', () => {
    const layout = transcriptLayout(
      loadConfig({
        PARAKEET_SEGMENT_TARGET_S: '8',
        PARAKEET_SEGMENT_MAX_S: '12',
        PARAKEET_SEGMENT_PAUSE_S: '0.3',
        PARAKEET_SUBTITLE_LINE_CHARS: '32',
        PARAKEET_SUBTITLE_LINES: '1',
        PARAKEET_SUBTITLE_CUE_MAX_S: '5',
        PARAKEET_SUBTITLE_CPS: '17',
        PARAKEET_SUBTITLE_CUE_MIN_S: '1',
      }),
    );
    expect(layout.segments).toEqual({ targetSeconds: 8, maxSeconds: 12, minPauseSeconds: 0.3 });
    expect(layout.subtitles).toMatchObject({ maxLineChars: 32, maxLines: 1, maxCueSeconds: 5, maxCharsPerSecond: 17, minCueSeconds: 1 });
  });

  it('refuses a segment target above the maximum, and rules out of range', () => {
    expect(() => loadConfig({ PARAKEET_SEGMENT_TARGET_S: '40' })).toThrow(/PARAKEET_SEGMENT_TARGET_S="40" is invalid: PARAKEET_SEGMENT_TARGET_S must not exceed PARAKEET_SEGMENT_MAX_S/);
    expect(() => loadConfig({ PARAKEET_SUBTITLE_LINES: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ PARAKEET_SUBTITLE_LINE_CHARS: 'wide' })).toThrow(/not an integer/);
  });
});
