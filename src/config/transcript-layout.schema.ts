import { IsInt, IsNumber, Max, Min, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { EnvVar } from './env-var.decorator.js';

/** A target above the maximum would never be reached: refused rather than silently capped. */
@ValidatorConstraint({ name: 'segmentTargetWithinMax' })
class SegmentTargetWithinMax implements ValidatorConstraintInterface {
  validate(target: number, args: ValidationArguments): boolean {
    return target <= (args.object as { segmentMaxSeconds: number }).segmentMaxSeconds;
  }

  defaultMessage(): string {
    return 'PARAKEET_SEGMENT_TARGET_S must not exceed PARAKEET_SEGMENT_MAX_S';
  }
}

/**
 * The settings that shape a transcript for people (verbose_json segments, srt and vtt cues). Part of the one
 * schema (EnvironmentVariables extends this class); kept in their own file so the schema stays small.
 */
export class TranscriptLayoutVariables {
  @EnvVar({ name: 'PARAKEET_SEGMENT_TARGET_S', kind: 'number', default: '15', description: 'verbose_json segments end at sentence punctuation; a stretch without any that runs longer than this is cut at the longest pause between words that keeps it within this length (docs/transcripts.md).' })
  @IsNumber()
  @Min(1)
  @Max(600)
  @Validate(SegmentTargetWithinMax)
  segmentTargetSeconds!: number;

  @EnvVar({ name: 'PARAKEET_SEGMENT_MAX_S', kind: 'number', default: '30', description: 'Longest verbose_json segment: when no pause falls within PARAKEET_SEGMENT_TARGET_S, the longest pause within this length is taken (only a single word could be longer).' })
  @IsNumber()
  @Min(1)
  @Max(600)
  segmentMaxSeconds!: number;

  @EnvVar({ name: 'PARAKEET_SEGMENT_PAUSE_S', kind: 'number', default: '0.5', description: 'Shortest gap between words that counts as a pause for cutting segments.' })
  @IsNumber()
  @Min(0.05)
  @Max(10)
  segmentPauseSeconds!: number;

  @EnvVar({ name: 'PARAKEET_SUBTITLE_LINE_CHARS', kind: 'int', default: '42', description: 'Most characters on one line of an srt or vtt cue (a single longer word gets a line of its own).' })
  @IsInt()
  @Min(10)
  @Max(200)
  subtitleLineChars!: number;

  @EnvVar({ name: 'PARAKEET_SUBTITLE_LINES', kind: 'int', default: '2', description: 'Most lines in one srt or vtt cue.' })
  @IsInt()
  @Min(1)
  @Max(10)
  subtitleLines!: number;

  @EnvVar({ name: 'PARAKEET_SUBTITLE_CUE_MAX_S', kind: 'number', default: '7', description: 'Longest time one srt or vtt cue stays on screen.' })
  @IsNumber()
  @Min(1)
  @Max(60)
  subtitleCueMaxSeconds!: number;

  @EnvVar({ name: 'PARAKEET_SUBTITLE_CPS', kind: 'number', default: '20', description: 'Reading speed a cue must allow, in characters per second: a cue holds no more text than its time on screen (up to the next word) lets a viewer read.' })
  @IsNumber()
  @Min(5)
  @Max(100)
  subtitleCharsPerSecond!: number;

  @EnvVar({ name: 'PARAKEET_SUBTITLE_CUE_MIN_S', kind: 'number', default: '0.833', description: 'Shortest time a cue stays on screen (20 frames at 24 fps), unless the next cue starts sooner: cues never overlap.' })
  @IsNumber()
  @Min(0)
  @Max(10)
  subtitleCueMinSeconds!: number;
}
