import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/common/project-paths.js';

/**
 * `npm run make-fixtures`: writes short English speech (espeak-ng) in every container the service
 * decodes, plus odd rates and channel counts and a long concatenation, with reference texts, into
 * test/fixtures/audio/. Needs espeak-ng and ffmpeg on PATH (Debian: apt-get install espeak-ng ffmpeg).
 */
const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'audio');
const TEXT = 'The quick brown fox jumps over the lazy dog while seven birds sing.';
const LONG_TEXTS = [
  'Please remember to bring the blue folder to the meeting on Monday morning.',
  'The weather today is cold and windy, with a chance of rain in the evening.',
  'She opened the window and listened to the sound of the river below.',
  'Our train leaves at half past nine, so we should have breakfast early.',
];

/** Ordinary sentences read as one unpunctuated stretch (about two minutes): segments and cues must come from pauses. */
const STORY = [
  'my grandmother grew up in a small village near the sea',
  'every morning she walked down to the harbour to watch the boats come in',
  'the fishermen would shout the names of the fish they had caught',
  'she learned to count by adding up the baskets on the quay',
  'in the afternoon the children played football on the beach',
  'when the tide came in they ran back to the houses laughing',
  'her father repaired nets in a wooden shed behind the church',
  'he told her stories about storms and lighthouses and lost ships',
  'one winter the snow was so deep that the school closed for a week',
  'the whole village worked together to clear the roads',
  'they shared bread and soup in the old town hall every evening',
  'she always said that was the happiest week of her childhood',
  'later she moved to the city to study medicine',
  'the trains were slow and the journey took most of a day',
  'she lived in a tiny room above a bakery on a busy street',
  'the smell of fresh bread woke her up before dawn',
  'after many years of hard work she became a doctor',
  'she opened a clinic in the same village where she was born',
  'people came from the nearby farms to see her',
  'she never asked the poor families to pay',
  'on sundays she still walked down to the harbour',
  'she liked to sit on the wall and watch the boats',
  'when I visited her as a child she taught me to swim',
  'we collected shells and built castles in the sand',
  'she showed me how to read the weather from the clouds',
  'I still remember the sound of her voice calling me home for dinner',
  'now I tell these stories to my own children',
  'they listen carefully and ask me to tell them again',
];
/** Gap after each STORY sentence: natural pauses of various lengths, and some run straight on. */
const storyPause = (i: number) => [0.6, 0.8, 0.05, 1.0, 0.7, 0.9, 0.05][i % 7];
/** A sentence after two seconds of silence, then another after a three-second pause. */
const PAUSED = ['the museum opens at ten in the morning', 'tickets can be bought at the door'];

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const ff = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const seconds = (file: string) =>
  Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());

const work = mkdtempSync(join(tmpdir(), 'parakeet-fixtures-'));
try {
  mkdirSync(OUT, { recursive: true });
  const raw = join(work, 'raw.wav');
  run('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', raw, TEXT]);
  const ref = join(OUT, 'speech.wav');
  // The reference every container is compared with: 16 kHz mono PCM16.
  ff(['-i', raw, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', ref]);
  const variants: { file: string; args: string[]; container: string }[] = [
    { file: 'speech.flac', container: 'flac', args: ['-c:a', 'flac'] },
    { file: 'speech.ogg', container: 'ogg/vorbis', args: ['-c:a', 'libvorbis', '-q:a', '4'] },
    { file: 'speech.opus', container: 'ogg/opus', args: ['-c:a', 'libopus', '-b:a', '32k'] },
    { file: 'speech.mp3', container: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '64k'] },
    { file: 'speech.webm', container: 'webm/opus', args: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'webm'] },
    // ffmpeg's mp4 muxer writes the index (moov) after the data unless told otherwise: the hard case.
    { file: 'speech-moov-at-end.m4a', container: 'm4a/aac (moov at end)', args: ['-c:a', 'aac', '-b:a', '64k'] },
    { file: 'speech-faststart.m4a', container: 'm4a/aac (faststart)', args: ['-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart'] },
    { file: 'speech-48k-stereo.wav', container: 'wav 48 kHz stereo', args: ['-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le'] },
    { file: 'speech-8k.wav', container: 'wav 8 kHz', args: ['-ar', '8000', '-c:a', 'pcm_s16le'] },
    { file: 'speech-44k-f32.wav', container: 'wav 44.1 kHz float32', args: ['-ar', '44100', '-c:a', 'pcm_f32le'] },
    { file: 'speech-24bit.wav', container: 'wav 24-bit', args: ['-c:a', 'pcm_s24le'] },
    { file: 'speech-alaw.wav', container: 'wav a-law (ffmpeg path)', args: ['-ar', '8000', '-c:a', 'pcm_alaw'] },
  ];
  const manifest: Record<string, unknown>[] = [{ file: 'speech.wav', container: 'wav 16 kHz PCM16', text: TEXT, duration_s: seconds(ref) }];
  for (const v of variants) {
    ff(['-i', ref, ...v.args, join(OUT, v.file)]);
    manifest.push({ file: v.file, container: v.container, text: TEXT, duration_s: seconds(ref) });
  }
  // Video with an audio track, and video without one.
  const video = ['-f', 'lavfi', '-t', String(seconds(ref)), '-i', 'color=c=navy:s=64x48:r=5'];
  ff([...video, '-i', ref, '-c:v', 'mpeg4', '-q:v', '20', '-c:a', 'aac', '-b:a', '48k', join(OUT, 'speech-video.mp4')]);
  manifest.push({ file: 'speech-video.mp4', container: 'mp4 video + aac', text: TEXT, duration_s: seconds(ref) });
  ff(['-f', 'lavfi', '-t', '2', '-i', 'color=c=navy:s=64x48:r=5', '-c:v', 'mpeg4', '-q:v', '20', join(OUT, 'video-no-audio.mp4')]);

  // A long concatenation (about 40 s) of several sentences with pauses.
  const parts: string[] = [];
  for (let i = 0; i < LONG_TEXTS.length * 2; i++) {
    const part = join(work, `long-${i}.wav`);
    run('espeak-ng', ['-v', i % 2 ? 'en-us' : 'en', '-s', '150', '-w', part, LONG_TEXTS[i % LONG_TEXTS.length]]);
    parts.push(part);
  }
  const inputs = parts.flatMap((p) => ['-i', p]);
  const filter = `${parts.map((_, i) => `[${i}:a]aresample=16000,apad=pad_dur=0.6[a${i}]`).join(';')};${parts.map((_, i) => `[a${i}]`).join('')}concat=n=${parts.length}:v=0:a=1[out]`;
  const long = join(OUT, 'long.opus');
  ff([...inputs, '-filter_complex', filter, '-map', '[out]', '-ac', '1', '-c:a', 'libopus', '-b:a', '24k', long]);
  manifest.push({ file: 'long.opus', container: 'ogg/opus, long', text: [...LONG_TEXTS, ...LONG_TEXTS].join(' '), duration_s: seconds(long) });

  // Two minutes of unpunctuated speech with natural pauses between sentences (mp3, as users send it).
  const story: string[] = [];
  STORY.forEach((text, i) => {
    const part = join(work, `story-${i}.wav`);
    run('espeak-ng', ['-v', 'en-us', '-s', '120', '-w', part, text]);
    story.push(part);
  });
  const storyFile = join(OUT, 'story-unpunctuated.mp3');
  const storyFilter = `${story.map((_, i) => `[${i}:a]aresample=16000,silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse,apad=pad_dur=${storyPause(i)}[a${i}]`).join(';')};${story.map((_, i) => `[a${i}]`).join('')}concat=n=${story.length}:v=0:a=1[out]`;
  const storyWav = join(work, 'story.wav');
  ff([...story.flatMap((p) => ['-i', p]), '-filter_complex', storyFilter, '-map', '[out]', '-ac', '1', '-c:a', 'pcm_s16le', storyWav]);
  ff(['-i', storyWav, '-c:a', 'libmp3lame', '-b:a', '32k', storyFile]);
  // The source's length: the mp3's own header counts the encoder's padding, which decoders drop.
  manifest.push({ file: 'story-unpunctuated.mp3', container: 'mp3, two minutes without punctuation', text: STORY.join(' '), duration_s: seconds(storyWav) });

  // Silence, a sentence, a long pause, a sentence: where each sentence's speech starts is known exactly.
  const paused = PAUSED.map((text, i) => {
    const part = join(work, `paused-${i}.wav`);
    const trimmed = join(work, `paused-${i}-trimmed.wav`);
    run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', part, text]);
    ff(['-i', part, '-af', 'aresample=16000,silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse', '-ac', '1', trimmed]);
    return trimmed;
  });
  const first = seconds(paused[0]);
  const pausedFile = join(OUT, 'pauses.wav');
  ff(['-i', paused[0], '-i', paused[1], '-filter_complex', '[0:a]adelay=2000,apad=pad_dur=3[a];[1:a]apad=pad_dur=1[b];[a][b]concat=n=2:v=0:a=1[out]', '-map', '[out]', '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', pausedFile]);
  manifest.push({ file: 'pauses.wav', container: 'wav, speech after 2 s of silence and after a 3 s pause', text: PAUSED.join(' '), duration_s: seconds(pausedFile), onsets_s: [2, Math.round((2 + first + 3) * 1000) / 1000] });

  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify({ generator: 'npm run make-fixtures (espeak-ng + ffmpeg)', clips: manifest }, null, 2)}\n`);
  console.log(`wrote ${manifest.length + 1} files to ${OUT}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
