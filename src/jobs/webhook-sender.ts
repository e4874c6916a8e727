import { Injectable, Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppConfig } from '../config/app-config.js';
import { checkTargetUrl, guardedLookup } from './address-guard.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `X-Parakeet-Signature`: `sha256=` HMAC-SHA256 over `timestamp.body`, so a replayed body with a new timestamp fails. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Posts a job's final state to its webhook_url: signed, retried with backoff, only to allowed addresses. */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger('Jobs');
  /** Tries per delivery and the first pause between them (doubled each time). */
  attempts = 6;
  firstDelayMs = 1000;

  constructor(private readonly config: AppConfig) {}

  async deliver(url: string, event: object): Promise<boolean> {
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const status = await this.post(url, body, timestamp);
        if (status >= 200 && status < 300) return true;
        this.logger.warn(`webhook ${url}: HTTP ${status} (try ${attempt} of ${this.attempts})`);
      } catch (e) {
        this.logger.warn(`webhook ${url}: ${(e as Error).message} (try ${attempt} of ${this.attempts})`);
      }
      if (attempt < this.attempts) await sleep(this.firstDelayMs * 2 ** (attempt - 1));
    }
    return false;
  }

  private post(url: string, body: string, timestamp: string): Promise<number> {
    const target = checkTargetUrl(url, this.config.jobsAllowPrivateUrls);
    if (typeof target === 'string') return Promise.reject(new Error(`webhook_url ${target}`));
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          lookup: guardedLookup(this.config.jobsAllowPrivateUrls),
          timeout: 10_000,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-parakeet-timestamp': timestamp,
            'x-parakeet-signature': webhookSignature(this.config.jobsWebhookSecret!, timestamp, body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
