import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryLock } from './directory-lock.js';
import { HubError, type HubClient } from './hub-client.js';
import { hubFileSet, type HubFile } from './hub-file-set.js';
import type { Quantization } from './model-directory.js';
import { checkOnnxFile, OnnxFormatError } from './onnx-file-check.js';

export class DownloadVerificationError extends Error {
  override name = 'DownloadVerificationError';
}

/** What a progress display is told; all sizes in bytes. */
export interface DownloadProgress {
  fileStarted(file: string, size: number | undefined, resumedAt: number): void;
  bytes(file: string, received: number): void;
  fileDone(file: string, outcome: 'downloaded' | 'kept' | 'absent'): void;
}

export interface DownloadRequest {
  repo: string;
  out: string;
  quantization: Quantization;
  progress?: DownloadProgress;
}

export interface DownloadResult {
  dir: string;
  repo: string;
  files: string[];
}

interface Manifest {
  repo: string;
  files: Record<string, { size: number; sha256?: string }>;
}

const MANIFEST = '.fetch-model.json';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Downloads one model repository's file set into a directory: each file streams into a `.part` file in
 * `.partial/`, resumes with an HTTP Range request after a dropped connection, is checked (size, sha256
 * where the hub gives one, ONNX structure) and then renamed into place. A lock keeps other processes out;
 * a manifest lets a re-run keep the files it already has.
 */
export class ModelDownloader {
  constructor(
    private readonly hub: HubClient,
    private readonly retries = { attempts: 5, delayMs: 200 },
  ) {}

  async download(req: DownloadRequest): Promise<DownloadResult> {
    mkdirSync(req.out, { recursive: true });
    const lock = DirectoryLock.acquire(req.out);
    try {
      const staging = join(req.out, '.partial', req.repo.replace('/', '--'));
      mkdirSync(staging, { recursive: true });
      const manifestPath = join(req.out, MANIFEST);
      const previous = this.readManifest(manifestPath);
      const manifest: Manifest = { repo: req.repo, files: previous?.repo === req.repo ? previous.files : {} };
      const files: string[] = [];
      for (const file of hubFileSet(req.quantization)) {
        const target = join(req.out, file.name);
        const known = manifest.files[file.name];
        if (known && sizeOf(target) === known.size) {
          req.progress?.fileDone(file.name, 'kept');
          files.push(file.name);
          continue;
        }
        const got = await this.fetchFile(req, file, join(staging, `${file.name}.part`), target);
        if (!got) {
          req.progress?.fileDone(file.name, 'absent');
          continue;
        }
        manifest.files[file.name] = got;
        writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
        req.progress?.fileDone(file.name, 'downloaded');
        files.push(file.name);
      }
      rmSync(join(req.out, '.partial'), { recursive: true, force: true });
      return { dir: req.out, repo: req.repo, files };
    } finally {
      lock.release();
    }
  }

  /** Returns undefined for an optional file the hub does not have. */
  private async fetchFile(req: DownloadRequest, file: HubFile, part: string, target: string): Promise<{ size: number; sha256?: string } | undefined> {
    let size: number | undefined;
    let sha256: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const offset = sizeOf(part);
      try {
        const res = await this.hub.get(req.repo, file.name, offset);
        if ('rangeEnd' in res) {
          size ??= res.size;
          if (offset === 0 || (size !== undefined && offset !== size)) {
            // The part file does not match the remote file: start over.
            unlinkSync(part);
            continue;
          }
          break;
        }
        size = res.size ?? size;
        sha256 = res.sha256 ?? sha256;
        req.progress?.fileStarted(file.name, size, res.start);
        const handle = await open(part, res.start > 0 ? 'a' : 'w');
        try {
          for await (const chunk of res.body) {
            await handle.write(chunk);
            req.progress?.bytes(file.name, chunk.byteLength);
          }
        } finally {
          await handle.close();
        }
        break;
      } catch (e) {
        if (e instanceof HubError && file.optional && e.kind === 'not-found') return undefined;
        const retryable = !(e instanceof HubError) || e.retryable;
        if (!retryable || attempt >= this.retries.attempts) {
          if (e instanceof HubError) throw e;
          throw new HubError('network', `${req.repo}/${file.name}: the connection failed ${attempt} times (${(e as Error).message}); run again to resume`);
        }
        await sleep(this.retries.delayMs * attempt);
      }
    }
    await this.verify(part, file, size, sha256);
    renameSync(part, target);
    return { size: sizeOf(target), sha256 };
  }

  private async verify(part: string, file: HubFile, size: number | undefined, sha256: string | undefined): Promise<void> {
    const got = sizeOf(part);
    const fail = (why: string): never => {
      // A part file that failed verification cannot be resumed into a good one.
      rmSync(part, { force: true });
      throw new DownloadVerificationError(`${file.name}: ${why}; the partial download was removed, run again`);
    };
    if (size !== undefined && got !== size) fail(`size ${got} bytes, the hub announced ${size}`);
    if (sha256) {
      const actual = await sha256Of(part);
      if (actual !== sha256) fail(`sha256 ${actual} does not match the hub's ${sha256}`);
    }
    if (file.onnx) {
      try {
        checkOnnxFile(part);
      } catch (e) {
        if (e instanceof OnnxFormatError) fail(`does not parse as ONNX (${e.message.replace(`${part}: `, '')})`);
        throw e;
      }
    }
  }

  private readManifest(path: string): Manifest | undefined {
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    } catch {
      return undefined;
    }
  }
}
