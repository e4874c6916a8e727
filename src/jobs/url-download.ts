import { Injectable } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { UploadTooLargeError } from '../audio/audio-errors.js';
import { ApiError } from '../common/api-error.js';
import { AppConfig } from '../config/app-config.js';
import { checkTargetUrl, guardedLookup, RefusedAddressError } from './address-guard.js';
import { AudioStore } from './audio-store.js';

const MAX_REDIRECTS = 5;
const invalid = (message: string) => new ApiError(400, message, 'invalid_audio_url', 'audio_url');

/**
 * audio_url: fetched at submission into the job store, so the job runs like an upload and a bad URL is the
 * submitter's 400 at once. Every hop (redirects included) goes only to allowed addresses, as connected to.
 */
@Injectable()
export class UrlDownloader {
  constructor(
    private readonly config: AppConfig,
    private readonly files: AudioStore,
  ) {}

  async download(id: string, raw: string): Promise<number> {
    const maxBytes = Math.floor(this.config.jobsMaxUploadMb * 1024 * 1024);
    const deadline = AbortSignal.timeout(this.config.jobsUrlTimeoutS * 1000);
    let target = raw;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const url = checkTargetUrl(target, this.config.jobsAllowPrivateUrls);
      if (typeof url === 'string') throw invalid(`audio_url ${url}.`);
      const res = await this.get(url, deadline);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        target = new URL(res.headers.location, url).href;
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw invalid(`audio_url answered HTTP ${status}.`);
      }
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
        res.destroy();
        throw new UploadTooLargeError(maxBytes);
      }
      let seen = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, done) {
          seen += chunk.length;
          done(seen > maxBytes ? new UploadTooLargeError(maxBytes) : null, chunk);
        },
      });
      try {
        return await this.files.saveAudio(id, res.pipe(limit));
      } catch (e) {
        res.destroy();
        if (e instanceof ApiError) throw e;
        throw invalid(deadline.aborted ? `audio_url took longer than ${this.config.jobsUrlTimeoutS} s (PARAKEET_JOBS_URL_TIMEOUT_S).` : 'audio_url could not be read to its end.');
      }
    }
    throw invalid(`audio_url redirected more than ${MAX_REDIRECTS} times.`);
  }

  private get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { lookup: guardedLookup(this.config.jobsAllowPrivateUrls), signal }, resolve);
      req.on('error', (e) => {
        if (e instanceof RefusedAddressError) reject(invalid(`audio_url resolves to a private, loopback or link-local address (${e.address}); see PARAKEET_JOBS_ALLOW_PRIVATE_URLS.`));
        else reject(invalid(signal.aborted ? `audio_url took longer than ${this.config.jobsUrlTimeoutS} s (PARAKEET_JOBS_URL_TIMEOUT_S).` : `audio_url could not be fetched (${e.message.slice(0, 80)}).`));
      });
      req.end();
    });
  }
}
