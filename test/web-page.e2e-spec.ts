import { browserArgs } from './helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { fixtureAudio, FIXTURES, pcm16Wav, withSilences } from './helpers/audio.js';

/**
 * The page at / in a real browser: Debian's chromium (apt-get install chromium; .ci/run does it) driven by
 * playwright-core, with Chrome's fake microphone playing a WAV file (in a loop) into getUserMedia.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SPEECH = 'the quick brown fox jumps over the lazy dog while seven birds sing';
const SPEECH_WAV = join(FIXTURES, 'audio/speech.wav');
const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');
const API_KEY = 'web-page-test-key';

const errorsIn = (text: string) => wordErrors(SPEECH, text).errors;

// The callbacks given to page.evaluate run in the page; this file is typed for Node (no DOM lib), so the few
// browser globals they use are declared here, for this module only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const MutationObserver: any;

/** A fresh profile (no stored API key) on the page, recording uncaught errors and CSP refusals. */
async function openPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Uncaught/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${url}/`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  // Every provisional text the live transcript ever shows, however briefly, and the loudest level the meter showed.
  await page.evaluate(() => {
    const seen: string[] = [];
    window.provisionalSeen = seen;
    window.loudestLevel = 0;
    setInterval(() => (window.loudestLevel = Math.max(window.loudestLevel, document.getElementById('mic-level').value)), 50);
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('#live-transcript .provisional')) if (el.textContent?.trim()) seen.push(el.textContent.trim());
    }).observe(document.getElementById('live-transcript')!, { subtree: true, childList: true, characterData: true });
  });
  return { context, page, problems };
}

/** Polls until `probe` returns a value, failing with the last thing seen. */
async function eventually<T>(what: string, probe: () => Promise<{ value?: T; seen: unknown }>, timeoutMs = 60000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let seen: unknown;
  for (;;) {
    const r = await probe();
    if (r.value !== undefined) return r.value;
    seen = r.seen;
    if (Date.now() > until) throw new Error(`${what} within ${timeoutMs} ms; last seen: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const liveState = (page: Page) => page.locator('#live-state').evaluate((el) => ({ state: el.dataset.state, text: el.textContent }));

async function waitForLiveState(page: Page, state: string, timeoutMs = 20000) {
  return eventually(`live state "${state}"`, async () => {
    const s = await liveState(page);
    return { value: s.state === state ? s : undefined, seen: s };
  }, timeoutMs);
}

/** A finished turn in the live transcript that reads as the fixture sentence. */
async function waitForSpokenSentence(page: Page): Promise<string> {
  return eventually('a finished live turn with the fixture sentence', async () => {
    const lines = await page.locator('#live-transcript .turn.done').allTextContents();
    return { value: lines.find((l) => errorsIn(l) <= 2), seen: lines };
  }, 60000);
}

async function uploadSpeech(page: Page): Promise<void> {
  await page.getByLabel('Audio or video file').setInputFiles(SPEECH_WAV);
  await page.getByRole('button', { name: 'Transcribe' }).click();
}

async function visibleText(page: Page, selector: string, timeoutMs = 30000): Promise<string> {
  const el = page.locator(`${selector}:not([hidden])`);
  await el.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await el.textContent()) ?? '';
}

describe('web page at / (real chromium, fake microphone)', () => {
  let browser: Browser;
  let dir: string;
  let fakeCapture: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    dir = mkdtempSync(join(tmpdir(), 'parakeet-web-'));
    // The fixture sentence with a second of silence around it, so server VAD sees one turn per loop.
    fakeCapture = join(dir, 'microphone.wav');
    writeFileSync(fakeCapture, pcm16Wav(withSilences([fixtureAudio('audio/speech.wav')], 1.0)));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: browserArgs(fakeCapture) });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('an open server', () => {
    let server: RunningApp;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    beforeAll(async () => {
      server = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR });
      ({ context, page, problems } = await openPage(browser, server.url));
    });
    afterAll(async () => {
      await context?.close();
      await server?.close();
    });

    it('serves the page and its whitelisted files, nothing else, outside the OpenAPI document', async () => {
      const index = await fetch(`${server.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
      const html = await index.text();
      expect(html).not.toMatch(/https?:\/\/(?!localhost)/); // no CDN
      for (const [file, type] of [['app.js', 'text/javascript'], ['capture-worklet.js', 'text/javascript'], ['style.css', 'text/css']]) {
        const r = await fetch(`${server.url}/web/${file}`);
        expect([file, r.status, r.headers.get('content-type')?.split(';')[0]]).toEqual([file, 200, type]);
      }
      for (const bad of ['web/web.controller.ts', 'web/..%2F..%2Fpackage.json', 'web/%2e%2e%2fweb-assets.ts', 'web/index.htm']) {
        const r = await fetch(`${server.url}/${bad}`);
        expect([bad, r.status]).toEqual([bad, 404]);
        expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/No such page asset/);
      }
      const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths).filter((p) => p === '/' || p.startsWith('/web'))).toEqual([]);
      expect(await page.title()).toBe('parakeet-nest: speech to text');
    });

    it('names the model it serves (from /readyz) and, for the embedded model, what it is good at and how to serve the real one', async () => {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { details: { model: { name: string; embedded: boolean } } };
      expect(ready.details.model).toMatchObject({ name: 'parakeet-tiny-en', embedded: true });
      await page.locator('#model-info[data-model]').waitFor({ timeout: 10000 });
      expect(await page.locator('#model-info').textContent()).toMatch(/^Model: parakeet-tiny-en on cpu/);
      const note = await visibleText(page, '#model-note', 10000);
      expect(note).toMatch(/synthetic voices/);
      expect(note).toContain('npm run fetch-model');
    });

    it('uploads a file and shows its transcript with segment and word timestamps; a segment plays its part', async () => {
      await uploadSpeech(page);
      const text = await visibleText(page, '#file-result', 30000).then(() => page.locator('#file-text').textContent());
      expect(errorsIn(text ?? '')).toBeLessThanOrEqual(2);
      expect(await page.locator('#file-state').textContent()).toMatch(/speech\.wav: 4\.\d\d s of audio, transcribed in \d+\.\d\d s\./);

      const segments = await page.locator('button.segment').evaluateAll((els) =>
        els.map((b) => ({ start: Number(b.dataset.start), end: Number(b.dataset.end), time: b.querySelector('.time')!.textContent, label: b.getAttribute('aria-label') })),
      );
      expect(segments.length).toBeGreaterThanOrEqual(1);
      for (const s of segments) {
        expect(s.time).toBe(`${s.start.toFixed(2)}–${s.end.toFixed(2)} s`);
        expect(s.label).toMatch(/^Play \d+\.\d\d to \d+\.\d\d seconds: /);
      }
      expect(segments[0].start).toBeLessThan(1);
      expect(segments.at(-1)!.end).toBeGreaterThan(3.5);
      expect(segments.at(-1)!.end).toBeLessThanOrEqual(4.7);

      const words = await page.locator('#file-segments .word').evaluateAll((els) =>
        els.map((w) => ({ start: Number(w.dataset.start), shown: w.querySelector('.word-time').textContent, word: w.querySelector('.word-text').textContent })),
      );
      expect(words.length).toBeGreaterThanOrEqual(11);
      expect(words.map((w) => w.shown)).toEqual(words.map((w) => w.start.toFixed(2)));
      expect(words.map((w) => w.start)).toEqual([...words.map((w) => w.start)].sort((a, b) => a - b));
      expect(errorsIn(words.map((w) => w.word).join(' '))).toBeLessThanOrEqual(2);

      // The last segment, by keyboard: the player seeks to its start and pauses at its end.
      const target = segments.at(-1)!;
      await page.locator('button.segment').last().focus();
      await page.keyboard.press('Enter');
      const played = await eventually('the segment to play and pause', async () => {
        const a = await page.locator('#file-audio').evaluate((el) => {
          const audio = el;
          const ranges = Array.from({ length: audio.played.length }, (_, i) => [audio.played.start(i), audio.played.end(i)]);
          return { paused: audio.paused, time: audio.currentTime, ranges, current: document.querySelector('button.segment[aria-current="true"]') !== null };
        });
        return { value: a.paused && a.ranges.length > 0 ? a : undefined, seen: a };
      }, 15000);
      expect(played.ranges.length).toBe(1);
      expect(played.ranges[0][0]).toBeCloseTo(target.start, 1);
      expect(played.ranges[0][1]).toBeGreaterThanOrEqual(target.end - 0.05);
      expect(played.ranges[0][1]).toBeLessThanOrEqual(target.end + 0.3);
      expect(await page.locator('#file-error').isHidden()).toBe(true);

      expect(problems).toEqual([]);
    });

    it('streams the microphone over /v1/realtime: a level, provisional words, then the final turn', async () => {
      await page.getByRole('button', { name: 'Start microphone' }).focus();
      await page.keyboard.press('Enter'); // keyboard use: the native button
      const listening = await waitForLiveState(page, 'listening');
      expect(listening.text).toMatch(/PCM16 at \d+ Hz/);
      const sentence = await waitForSpokenSentence(page);
      expect(errorsIn(sentence)).toBeLessThanOrEqual(2);
      // Partials came first, styled as provisional, and were replaced: a finished line keeps no provisional text.
      const seen = await page.evaluate((): string[] => window.provisionalSeen);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.some((p) => wordErrors(SPEECH.split(' ').slice(0, p.split(/\s+/).length).join(' '), p).errors <= 1)).toBe(true);
      expect(await page.locator('#live-transcript .turn.done .provisional').count()).toBe(0);
      expect(await page.locator('#live-transcript').getAttribute('aria-live')).toBe('polite');
      expect(await page.evaluate((): number => window.loudestLevel)).toBeGreaterThan(0.4); // speech.wav peaks near -6 dBFS
      expect(await page.locator('#live-error').isHidden()).toBe(true);

      // The fake microphone loops: the next pass shows provisional words again. Screenshot: both paths on one page.
      await page.locator('#live-transcript .turn:not(.done) .provisional:not(:empty)').first().waitFor({ timeout: 20000 });
      await page.screenshot({ path: join(ARTIFACTS, 'web-page.png'), fullPage: true });
      expect(readFileSync(join(ARTIFACTS, 'web-page.png')).subarray(1, 4).toString()).toBe('PNG');

      await page.getByRole('button', { name: 'Stop microphone' }).click();
      const stopped = await waitForLiveState(page, 'idle');
      expect(stopped.text).toBe('not connected');
      expect(await page.getByRole('button', { name: 'Start microphone' }).isVisible()).toBe(true);
      // Stop committed the turn being spoken and waited for it: no line is left provisional.
      expect(await page.locator('#live-transcript .turn:not(.done)').count()).toBe(0);

      // Phone width: nothing runs off the side.
      await page.setViewportSize({ width: 375, height: 812 });
      expect(await page.evaluate((): number => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'web-page-phone.png'), fullPage: true });
      expect(problems).toEqual([]);
    });
  });

  describe('a server that requires an API key', () => {
    let server: RunningApp;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    beforeAll(async () => {
      server = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_API_KEYS: `other-key,${API_KEY}` });
      ({ context, page, problems } = await openPage(browser, server.url));
    });
    afterAll(async () => {
      await context?.close();
      await server?.close();
    });

    it("shows the server's own 401 messages without a key (upload and socket)", async () => {
      const expected = ((await (await transcribe(server.url, readFileSync(SPEECH_WAV))).json()) as { error: { message: string } }).error.message;
      expect(expected).toMatch(/Missing API key/);
      await uploadSpeech(page);
      expect(await visibleText(page, '#file-error')).toBe(`${expected} (HTTP 401)`);
      expect(await page.locator('#file-result').isHidden()).toBe(true);

      await page.getByRole('button', { name: 'Start microphone' }).click();
      const closed = await waitForLiveState(page, 'closed');
      expect(closed.text).toMatch(/^closed by the server \(code 1008: Missing API key/);
      expect(await visibleText(page, '#live-error')).toMatch(/^Missing API key: send `Authorization: Bearer KEY`, the subprotocol `openai-insecure-api-key\.KEY`.* \(missing_api_key\)$/);

      await page.getByRole('textbox', { name: /^API key/ }).fill('not-the-key');
      await uploadSpeech(page);
      expect(await eventually('the wrong-key message', async () => {
        const t = await page.locator('#file-error').textContent();
        return { value: t?.startsWith('Incorrect') ? t : undefined, seen: t };
      })).toBe('Incorrect API key provided. (HTTP 401)');
      expect(problems).toEqual([]);
    });

    it('works with the key, sent as Bearer on uploads and as a subprotocol on the socket, and remembers it', async () => {
      await page.getByRole('textbox', { name: /^API key/ }).fill(API_KEY);
      await uploadSpeech(page);
      await visibleText(page, '#file-result');
      expect(errorsIn((await page.locator('#file-text').textContent()) ?? '')).toBeLessThanOrEqual(2);
      expect(await page.locator('#file-error').isHidden()).toBe(true);

      await page.reload();
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      expect(await page.getByRole('textbox', { name: /^API key/ }).inputValue()).toBe(API_KEY);
      expect(await page.getByRole('textbox', { name: /^API key/ }).getAttribute('type')).toBe('password');

      await page.getByRole('button', { name: 'Start microphone' }).click();
      await waitForLiveState(page, 'listening');
      expect(errorsIn(await waitForSpokenSentence(page))).toBeLessThanOrEqual(2);
      await page.getByRole('button', { name: 'Stop microphone' }).click();
      await waitForLiveState(page, 'idle');
      expect(await page.locator('#live-error').isHidden()).toBe(true);
      expect(problems).toEqual([]);
    });
  });
});
