import { Injectable } from '@nestjs/common';
import { createWriteStream, mkdirSync } from 'node:fs';
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Transcript } from '../asr/transcript.js';
import { AppConfig } from '../config/app-config.js';

/**
 * Job audio and results as files under PARAKEET_JOBS_DIR, a directory every replica shares: the replica that takes
 * a job is rarely the one that received its upload.
 */
@Injectable()
export class AudioStore {
  readonly dir: string;

  constructor(config: AppConfig) {
    this.dir = resolve(config.jobsDir);
    for (const sub of ['audio', 'results', 'incoming']) mkdirSync(resolve(this.dir, sub), { recursive: true });
  }

  audioPath(id: string): string {
    return resolve(this.dir, 'audio', id);
  }

  private resultPath(id: string): string {
    return resolve(this.dir, 'results', `${id}.json`);
  }

  private incoming(): string {
    return resolve(this.dir, 'incoming', randomBytes(12).toString('hex'));
  }

  /**
   * Streams an upload to the job's audio file; it appears under its name only once complete, so a replica never
   * reads half an upload. Answers the bytes written.
   */
  async saveAudio(id: string, source: Readable): Promise<number> {
    const temp = this.incoming();
    let bytes = 0;
    source.on('data', (chunk: Buffer) => (bytes += chunk.length));
    try {
      await pipeline(source, createWriteStream(temp));
      await rename(temp, this.audioPath(id));
      return bytes;
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  /**
   * Writes the result unless one is there: link() fails on an existing name, so of two runs of one job (a retry
   * after a replica died between writing and recording) the first result stays. True when this call wrote it.
   */
  async writeResultOnce(id: string, transcript: Transcript): Promise<boolean> {
    const temp = this.incoming();
    await writeFile(temp, JSON.stringify(transcript));
    try {
      await link(temp, this.resultPath(id));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await unlink(temp);
    }
  }

  async readResult(id: string): Promise<Transcript | undefined> {
    try {
      return JSON.parse(await readFile(this.resultPath(id), 'utf8')) as Transcript;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async removeAudio(id: string): Promise<void> {
    await rm(this.audioPath(id), { force: true });
  }

  async remove(id: string): Promise<void> {
    await Promise.all([this.removeAudio(id), rm(this.resultPath(id), { force: true })]);
  }
}
