import { browserArgs } from './helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { fixtureAudio, pcm16Wav, withSilences } from './helpers/audio.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { TestPki } from './helpers/test-certificates.js';
import { waitForHttpsReady } from './helpers/tls-client.js';

/**
 * Browsers give getUserMedia only to secure contexts: https pages, or http on localhost. This drives the page under a
 * name that is not localhost (`parakeet.test`, resolved to 127.0.0.1 by Chromium's own resolver rules), over HTTPS
 * from the service itself, and over plain HTTP for contrast.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SPEECH = 'the quick brown fox jumps over the lazy dog while seven birds sing';
const HOST = 'parakeet.test';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const navigator: any;
declare const location: any;

/** Chromium's pin for one certificate: base64 SHA-256 of its SubjectPublicKeyInfo (no CA store to edit). */
function spkiPin(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

async function eventually<T>(what: string, probe: () => Promise<{ value?: T; seen: unknown }>, timeoutMs = 60000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await probe();
    if (r.value !== undefined) return r.value;
    if (Date.now() > until) throw new Error(`${what} within ${timeoutMs} ms; last seen: ${JSON.stringify(r.seen)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('web page over HTTPS under a non-localhost name (real chromium, fake microphone)', () => {
  let pki: TestPki;
  let browser: Browser;
  let tlsServer: ServerProcess;
  let plainServer: ServerProcess;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    pki = new TestPki();
    const cert = pki.issue('web', [HOST, 'localhost', '127.0.0.1']);
    const microphone = pki.path('microphone.wav');
    writeFileSync(microphone, pcm16Wav(withSilences([fixtureAudio('audio/speech.wav')], 1.0)));
    tlsServer = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_TLS_CERT_FILE: cert.certFile, PARAKEET_TLS_KEY_FILE: cert.keyFile, PARAKEET_TLS_CA_FILE: pki.intermediateFile });
    plainServer = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR });
    await waitForHttpsReady(await tlsServer.url, pki.root);
    await plainServer.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        // The test name goes to the loopback server; every other name fails to resolve.
        ...browserArgs(microphone, `MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`),
        // Trust exactly the test server's key, as a user who accepted it would (the root is not in Chromium's store).
        `--ignore-certificate-errors-spki-list=${spkiPin(cert.certFile)}`,
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([tlsServer?.stop(), plainServer?.stop()]);
    pki?.remove();
  });

  async function open(url: string): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    return { page, close: () => context.close() };
  }

  it('over plain HTTP the page under that name is not a secure context: no microphone', async () => {
    const { port } = new URL(await plainServer.url);
    const { page, close } = await open(`http://${HOST}:${port}/`);
    try {
      expect(await page.evaluate(() => ({ secure: window.isSecureContext, media: typeof navigator.mediaDevices?.getUserMedia }))).toEqual({ secure: false, media: 'undefined' });
    } finally {
      await close();
    }
  });

  it('over HTTPS it gets the microphone, streams over wss and shows the spoken words', async () => {
    const { port } = new URL(await tlsServer.url);
    const { page, close } = await open(`https://${HOST}:${port}/`);
    try {
      expect(await page.evaluate(() => ({ secure: window.isSecureContext, origin: location.origin }))).toEqual({ secure: true, origin: `https://${HOST}:${port}` });
      await page.getByRole('button', { name: 'Start microphone' }).click();
      const listening = await eventually('live state "listening"', async () => {
        const s = await page.locator('#live-state').evaluate((el) => ({ state: el.dataset.state, text: el.textContent }));
        return { value: s.state === 'listening' ? s : undefined, seen: s };
      });
      expect(listening.text).toMatch(/PCM16 at \d+ Hz/);
      const sentence = await eventually('a finished live turn with the fixture sentence', async () => {
        const lines = await page.locator('#live-transcript .turn.done').allTextContents();
        return { value: lines.find((l) => wordErrors(SPEECH, l).errors <= 2), seen: lines };
      });
      expect(wordErrors(SPEECH, sentence).errors).toBeLessThanOrEqual(2);
      expect(await page.locator('#live-error').isHidden()).toBe(true);
      await page.getByRole('button', { name: 'Stop microphone' }).click();
    } finally {
      await close();
    }
  });
});
