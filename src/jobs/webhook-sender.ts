import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppConfig } from '../config/app-config.js';
import { checkTargetUrl, guardedLookup } from './address-guard.js';

/** `X-Parakeet-Signature`: `sha256=` HMAC-SHA256 over `timestamp.body`, so a replayed body with a new timestamp fails. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** One signed POST of a job's final state to its webhook_url, only to allowed addresses; retries are WebhookQueue's. */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: AppConfig) {}

  /** Throws unless the receiver answered 2xx, so that the delivery is tried again. */
  async deliver(url: string, event: object): Promise<void> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const status = await this.post(url, JSON.stringify(event), timestamp);
    if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
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
