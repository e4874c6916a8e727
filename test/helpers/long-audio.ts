import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../../src/audio/ffmpeg-binary.js';
import { FIXTURES } from './audio.js';

const made = new Map<number, Uint8Array>();

/**
 * `seconds` of real speech as an mp3, as a person would upload a long recording: the speech fixture looped with a
 * pause after each sentence, encoded by real ffmpeg. Made once per length and process.
 */
export function longSpeechMp3(seconds: number): Uint8Array {
  let mp3 = made.get(seconds);
  if (!mp3) {
    const filter = 'apad=pad_dur=0.6,aloop=loop=-1:size=2e9';
    mp3 = new Uint8Array(
      execFileSync(
        locateFfmpeg(undefined).path,
        ['-v', 'error', '-i', join(FIXTURES, 'audio', 'speech.wav'), '-af', filter, '-t', String(seconds), '-ac', '1', '-ar', '16000', '-b:a', '32k', '-f', 'mp3', 'pipe:1'],
        { maxBuffer: 64 * 1024 * 1024 },
      ),
    );
    made.set(seconds, mp3);
  }
  return mp3;
}
