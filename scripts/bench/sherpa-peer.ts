import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PeerOptions {
  modelDir: string;
  clipCount: number;
  threads: number;
  batch: number;
  repeats: number;
}

export interface PeerResult {
  engine: string;
  loaded: boolean;
  /** How streams reached the engine: batched through the C API, or one per call. */
  mode: string;
  batch: number;
  threads: number;
  /** Σ audio ÷ wall over the clip set, features (sherpa's own fbank) included. */
  rtfx: number | null;
  /** Σ audio ÷ CPU seconds the peer's process used (steadier than RTFx on a shared machine). */
  audio_per_cpu_s: number | null;
  batch1_rtfx: number | null;
  /** RTFx of the run before the server phase and of the one after it; `rtfx` is the better. */
  rtfx_runs?: number[];
  wer: { errors: number; words: number; wer: number } | null;
  files: Record<string, string>;
  /** Why it did not run: sherpa-onnx's own message (it exits the process on a model it cannot use). */
  error?: string;
}

/** Runs the sherpa-onnx measurement in a child process and reads its one JSON line. */
export function measureSherpaPeer(options: PeerOptions, progress: (line: string) => void): Promise<PeerResult> {
  const entry = fileURLToPath(new URL('./sherpa-peer-process.js', import.meta.url));
  const child = spawn(process.execPath, [entry, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const line of d.toString().split('\n')) if (line.startsWith('peer: ')) progress(line);
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as PeerResult);
      } catch {
        const tail = stderr.trim().split('\n').filter((l) => !l.startsWith('peer: ')).slice(-6).join(' | ');
        resolve({ engine: 'sherpa-onnx-node', loaded: false, mode: '', batch: options.batch, threads: options.threads, rtfx: null, audio_per_cpu_s: null, batch1_rtfx: null, wer: null, files: {}, error: `exited with ${code ?? signal}: ${tail}` });
      }
    });
  });
}
