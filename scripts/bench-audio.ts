import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AudioService } from '../src/audio/audio.service.js';
import { decodeWithFfmpeg } from '../src/audio/ffmpeg-decoder.js';
import { PROJECT_ROOT } from '../src/common/project-paths.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';

/**
 * `npm run bench:audio [-- --repeats N]`: ms per decode of a 10 s clip in each container, the WAV fast
 * path against ffmpeg on the same WAV, and decodes per second with the worker pool under concurrency.
 */
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Number(values.repeats);
const work = mkdtempSync(join(tmpdir(), 'parakeet-bench-audio-'));
const audio = new AudioService(loadConfig(process.env) as AppConfig);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const source = join(PROJECT_ROOT, 'test', 'fixtures', 'audio', 'long.opus');
  const clip = join(work, 'clip.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-i', source, '-t', '10', '-ar', '44100', '-ac', '2', clip]);
  const formats: [string, string[]][] = [
    ['wav 44.1 kHz stereo', []],
    ['wav 16 kHz mono', ['-ar', '16000', '-ac', '1']],
    ['flac', ['-c:a', 'flac']],
    ['mp3', ['-c:a', 'libmp3lame', '-b:a', '64k']],
    ['ogg/opus', ['-c:a', 'libopus', '-b:a', '32k']],
    ['webm/opus', ['-c:a', 'libopus', '-b:a', '32k', '-f', 'webm']],
    ['m4a/aac', ['-c:a', 'aac', '-b:a', '64k']],
  ];
  const ext: Record<string, string> = { 'wav 44.1 kHz stereo': 'wav', 'wav 16 kHz mono': 'wav', flac: 'flac', mp3: 'mp3', 'ogg/opus': 'opus', 'webm/opus': 'webm', 'm4a/aac': 'm4a' };
  console.log(`ffmpeg ${audio.ffmpeg.version} (${audio.ffmpeg.source}); ${availableParallelism()} cores; 10 s clip; median of ${repeats}`);
  console.log('container                 path          ms/decode');
  for (const [name, args] of formats) {
    const file = join(work, `clip-${name.replace(/\W+/g, '-')}.${ext[name]}`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, ...args, file]);
    const bytes = new Uint8Array(readFileSync(file));
    await audio.decode(bytes);
    const times: number[] = [];
    let path = '';
    for (let i = 0; i < repeats; i++) {
      const out = await audio.decode(bytes);
      times.push(out.decodeMs);
      path = out.decoder;
    }
    console.log(`${name.padEnd(25)} ${path.padEnd(13)} ${median(times).toFixed(1).padStart(9)}`);
    if (name.startsWith('wav')) {
      const ff: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        await decodeWithFfmpeg(audio.ffmpeg, { bytes, timeoutS: 60, maxSeconds: 600 });
        ff.push(performance.now() - t);
      }
      console.log(`${name.padEnd(25)} ${'ffmpeg'.padEnd(13)} ${median(ff).toFixed(1).padStart(9)}`);
    }
  }
  for (const [name, file] of [['wav 44.1 kHz stereo', clip], ['mp3', join(work, 'clip-mp3.mp3')]] as const) {
    const bytes = new Uint8Array(readFileSync(file));
    const total = 32;
    const started = performance.now();
    await Promise.all(Array.from({ length: total }, () => audio.decode(bytes)));
    const seconds = (performance.now() - started) / 1000;
    console.log(`pool: ${total} concurrent ${name} decodes in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(1)} decodes/s (${((total * 10) / seconds).toFixed(0)}x real time)`);
  }
} finally {
  await audio.onApplicationShutdown();
  rmSync(work, { recursive: true, force: true });
}
