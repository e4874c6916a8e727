import { DEFAULT_SEGMENT_RULES, type SegmentRules } from '../asr/segments.js';
import type { TranscriptLayoutVariables } from '../config/transcript-layout.schema.js';
import { DEFAULT_SUBTITLE_RULES, type SubtitleRules } from './subtitle-cues.js';

/** How a transcript is cut for people: verbose_json segments and srt/vtt cues. */
export interface TranscriptLayout {
  segments: SegmentRules;
  subtitles: SubtitleRules;
}

export const DEFAULT_LAYOUT: TranscriptLayout = { segments: DEFAULT_SEGMENT_RULES, subtitles: DEFAULT_SUBTITLE_RULES };

export function transcriptLayout(config: TranscriptLayoutVariables): TranscriptLayout {
  return {
    segments: { targetSeconds: config.segmentTargetSeconds, maxSeconds: config.segmentMaxSeconds, minPauseSeconds: config.segmentPauseSeconds },
    subtitles: {
      ...DEFAULT_SUBTITLE_RULES,
      maxLineChars: config.subtitleLineChars,
      maxLines: config.subtitleLines,
      maxCueSeconds: config.subtitleCueMaxSeconds,
      maxCharsPerSecond: config.subtitleCharsPerSecond,
      minCueSeconds: config.subtitleCueMinSeconds,
    },
  };
}
