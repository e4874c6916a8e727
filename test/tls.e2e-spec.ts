import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { encodePcm16 } from '../src/audio/pcm16.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { startApp } from './helpers/app.js';
import { decodeFixture, FIXTURES } from './helpers/audio.js';
import { RealtimeClient } from './helpers/realtime-client.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { TestPki } from './helpers/test-certificates.js';
import { handshake, httpsRequest, waitForHttpsReady } from './helpers/tls-client.js';

const SPEECH = 'the quick brown fox jumps over the lazy dog while seven birds sing';
const API_KEY = 'tls-test-key';
const PASSPHRASE = 'correct horse battery staple';
const NAMES = ['localhost', '127.0.0.1', 'parakeet.test'];
const errorsIn = (text: string) => wordErrors(SPEECH, text).errors;

/** The official SDK in its own process, trusting the test root through NODE_EXTRA_CA_CERTS as a user would. */
function sdkClient(mode: 'rest' | 'realtime', baseURL: string, audio: string, caFile: string): Promise<{ text: string; url?: string }> {
  const child = spawn(process.execPath, [join(process.cwd(), 'test', 'helpers', 'openai-sdk-client.mjs'), mode, baseURL, API_KEY, audio], {
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { text: string; url?: string }) : reject(new Error(`SDK client exited with ${code}: ${stderr}`)))),
  );
}

/** The log of a running server, read as it grows; `waitFor` looks at lines after `from` (an earlier `text().length`). */
function logOf(server: ServerProcess): { text: () => string; waitFor: (pattern: RegExp, from?: number) => Promise<string> } {
  let text = '';
  server.child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  return {
    text: () => text,
    async waitFor(pattern, from = 0) {
      const timeoutMs = 30000;
      const until = Date.now() + timeoutMs;
      for (;;) {
        const line = text.slice(from).split('\n').find((l) => pattern.test(l));
        if (line) return line;
        if (Date.now() > until) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/**
 * Certificate files laid out as a Kubernetes Secret volume: `tls.crt` → `..data/tls.crt`, `..data` → a timestamped
 * directory. A rotation writes a new directory and swaps `..data` in one rename, as the kubelet does.
 */
class SecretVolume {
  private version = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir);
  }

  get certFile() {
    return join(this.dir, 'tls.crt');
  }
  get keyFile() {
    return join(this.dir, 'tls.key');
  }
  get caFile() {
    return join(this.dir, 'ca.crt');
  }

  publish(files: { cert: string; key: string; ca: string }): void {
    const version = `..v${++this.version}`;
    mkdirSync(join(this.dir, version));
    copyFileSync(files.cert, join(this.dir, version, 'tls.crt'));
    copyFileSync(files.key, join(this.dir, version, 'tls.key'));
    copyFileSync(files.ca, join(this.dir, version, 'ca.crt'));
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.version === 1) for (const f of ['tls.crt', 'tls.key', 'ca.crt']) symlinkSync(join('..data', f), join(this.dir, f));
  }
}

let pki: TestPki;
beforeAll(() => {
  pki = new TestPki();
});
afterAll(() => pki?.remove());

describe('HTTPS and WSS on the service port (certificate files)', () => {
  let server: ServerProcess;
  let log: ReturnType<typeof logOf>;
  let url: string;
  let volume: SecretVolume;
  let first: ReturnType<TestPki['issue']>;
  let pcm24k: string;

  beforeAll(async () => {
    first = pki.issue('first', NAMES, { days: 20, passphrase: PASSPHRASE });
    volume = new SecretVolume(pki.path('secret'));
    volume.publish({ cert: first.certFile, key: first.keyFile, ca: pki.intermediateFile });
    pcm24k = pki.path('speech-24k.pcm');
    writeFileSync(pcm24k, encodePcm16(decodeFixture('audio/speech.wav', 24000)));
    server = startServer({
      PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR,
      PARAKEET_API_KEYS: API_KEY,
      PARAKEET_TLS_CERT_FILE: volume.certFile,
      PARAKEET_TLS_KEY_FILE: volume.keyFile,
      PARAKEET_TLS_CA_FILE: volume.caFile,
      PARAKEET_TLS_KEY_PASSPHRASE: PASSPHRASE,
    });
    log = logOf(server);
    url = await server.url;
    await waitForHttpsReady(url, pki.root);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('listens on https only, TLS 1.2 or later, sending the intermediate after the leaf', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(`${url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    // The client trusts the root only: the handshake verifies because the server sends the intermediate.
    expect(await handshake(url, { ca: pki.root })).toMatchObject({ fingerprint256: first.fingerprint256, protocol: 'TLSv1.3' });
    expect((await handshake(url, { ca: pki.root, maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    // The client would speak TLS 1.1 (security level 0 re-enables it in OpenSSL 3); the server refuses.
    await expect(handshake(url, { ca: pki.root, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow(/protocol|version/i);
    expect(log.text()).toContain('serving HTTPS with CN=localhost');
    // Everything on the port moved to https: the page, the API docs, the probes.
    for (const path of ['/', '/web/app.js', '/docs', '/openapi.json', '/healthz', '/readyz']) expect([path, (await httpsRequest(`${url}${path}`, pki.root)).status]).toEqual([path, 200]);
  });

  it('the official SDK transcribes over https (REST) and through its realtime client over wss, no proxy', async () => {
    const rest = await sdkClient('rest', `${url}/v1`, join(FIXTURES, 'audio/speech.wav'), pki.rootFile);
    expect(errorsIn(rest.text)).toBeLessThanOrEqual(2);
    const realtime = await sdkClient('realtime', `${url}/v1`, pcm24k, pki.rootFile);
    expect(realtime.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?intent=transcription$/);
    expect(errorsIn(realtime.text)).toBeLessThanOrEqual(3);
  });

  it('shows the certificate expiry on /readyz and as a Prometheus gauge', async () => {
    const ready = JSON.parse((await httpsRequest(`${url}/readyz`, pki.root)).body) as { info: { tls: Record<string, unknown> } };
    expect(ready.info.tls).toMatchObject({ status: 'up', source: 'files', names: NAMES, expires_at: first.notAfter.toISOString(), fingerprint_sha256: first.fingerprint256 });
    expect(ready.info.tls.expiring).toBeUndefined();
    const metrics = (await httpsRequest(`${url}/metrics`, pki.root)).body;
    expect(metrics).toContain(`parakeet_tls_certificate_expiry_timestamp_seconds{source="files"} ${first.notAfter.getTime() / 1000}`);
  });

  it('puts a rotated certificate into service for new connections while an open realtime session goes on', async () => {
    const session = await RealtimeClient.connect(url, { ca: pki.root, headers: { Authorization: `Bearer ${API_KEY}` } });
    try {
      await session.next('session.created');
      const second = pki.issue('second', NAMES, { days: 25 });
      const mark = log.text().length;
      volume.publish({ cert: second.certFile, key: second.keyFile, ca: pki.intermediateFile });
      await log.waitFor(/certificate reloaded, new connections get/, mark);
      expect((await handshake(url, { ca: pki.root })).fingerprint256).toBe(second.fingerprint256);
      const ready = JSON.parse((await httpsRequest(`${url}/readyz`, pki.root)).body) as { info: { tls: Record<string, unknown> } };
      expect(ready.info.tls).toMatchObject({ expires_at: second.notAfter.toISOString(), fingerprint_sha256: second.fingerprint256 });
      expect((await httpsRequest(`${url}/metrics`, pki.root)).body).toContain(`parakeet_tls_certificate_expiry_timestamp_seconds{source="files"} ${second.notAfter.getTime() / 1000}`);

      // The session opened before the rotation still transcribes, on its original connection.
      session.send({ type: 'session.update', session: { type: 'transcription', audio: { input: { turn_detection: null } } } });
      await session.next('session.updated');
      await session.appendPcm(decodeFixture('audio/speech.wav', 24000), 24000, 200);
      session.send({ type: 'input_audio_buffer.commit' });
      const done = await session.next('conversation.item.input_audio_transcription.completed');
      expect(errorsIn(done.transcript as string)).toBeLessThanOrEqual(3);
      expect(session.of('error')).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('keeps the certificate in service when the new files are broken, and re-reads them on SIGHUP', async () => {
    const serving = (await handshake(url, { ca: pki.root })).fingerprint256;
    const other = pki.issue('other', NAMES);
    // A key that belongs to another certificate: a half-finished renewal.
    let mark = log.text().length;
    volume.publish({ cert: pki.issue('third', NAMES).certFile, key: other.keyFile, ca: pki.intermediateFile });
    const error = await log.waitFor(/certificate not reloaded, still serving the previous one/, mark);
    expect(error).toMatch(/PARAKEET_TLS_KEY_FILE=.* does not match the certificate in PARAKEET_TLS_CERT_FILE/);
    expect((await handshake(url, { ca: pki.root })).fingerprint256).toBe(serving);
    const ready = JSON.parse((await httpsRequest(`${url}/readyz`, pki.root)).body) as { info: { tls: Record<string, unknown> } };
    expect(ready.info.tls.reload_error).toMatch(/does not match/);
    expect((await httpsRequest(`${url}/metrics`, pki.root)).body).toContain('parakeet_tls_certificate_reloads_total{result="error"} 1');

    // Fixed files, then SIGHUP: re-read at once, the process stays up.
    mark = log.text().length;
    volume.publish({ cert: other.certFile, key: other.keyFile, ca: pki.intermediateFile });
    await log.waitFor(/certificate reloaded, new connections get/, mark);
    mark = log.text().length;
    server.child.kill('SIGHUP');
    await log.waitFor(/SIGHUP: certificate files re-read, unchanged/, mark);
    expect(server.child.exitCode).toBeNull();
    expect((await handshake(url, { ca: pki.root })).fingerprint256).toBe(other.fingerprint256);
    const after = JSON.parse((await httpsRequest(`${url}/readyz`, pki.root)).body) as { info: { tls: Record<string, unknown> } };
    expect(after.info.tls.reload_error).toBeUndefined();
  });
});

describe('TLS start-up', () => {
  async function refusal(env: Record<string, string>): Promise<string> {
    const server = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, ...env });
    const exit = await server.exit;
    expect(exit.code).toBe(1);
    expect(exit.stdout).not.toContain('listening on');
    return exit.stderr;
  }

  it('stops with a message naming the variable: missing, unreadable, not PEM, mismatched, wrong passphrase, half set', async () => {
    const good = pki.issue('startup', NAMES);
    const encrypted = pki.issue('encrypted', NAMES, { passphrase: PASSPHRASE });
    const stranger = pki.issue('stranger', NAMES);
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: pki.path('missing.pem'), PARAKEET_TLS_KEY_FILE: good.keyFile })).toMatch(/PARAKEET_TLS_CERT_FILE=".*missing\.pem" cannot be read: ENOENT/);
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: good.certFile, PARAKEET_TLS_KEY_FILE: pki.dir })).toMatch(/PARAKEET_TLS_KEY_FILE=".*" cannot be read: EISDIR/);
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: good.keyFile, PARAKEET_TLS_KEY_FILE: good.keyFile })).toMatch(/PARAKEET_TLS_CERT_FILE=".*startup\.key" holds no PEM certificate/);
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: good.certFile, PARAKEET_TLS_KEY_FILE: stranger.keyFile })).toMatch(/PARAKEET_TLS_KEY_FILE=".*stranger\.key" does not match the certificate in PARAKEET_TLS_CERT_FILE/);
    const wrong = await refusal({ PARAKEET_TLS_CERT_FILE: encrypted.certFile, PARAKEET_TLS_KEY_FILE: encrypted.keyFile, PARAKEET_TLS_KEY_PASSPHRASE: 'not the passphrase' });
    expect(wrong).toMatch(/PARAKEET_TLS_KEY_PASSPHRASE does not decrypt the key in PARAKEET_TLS_KEY_FILE/);
    expect(wrong).not.toContain('not the passphrase');
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: encrypted.certFile, PARAKEET_TLS_KEY_FILE: encrypted.keyFile })).toMatch(/PARAKEET_TLS_KEY_PASSPHRASE must be set: the key in PARAKEET_TLS_KEY_FILE is encrypted/);
    expect(await refusal({ PARAKEET_TLS_CERT_FILE: good.certFile })).toMatch(/PARAKEET_TLS_CERT_FILE=".*" is invalid: PARAKEET_TLS_KEY_FILE must be set too/);
  });

  it('warns at start-up when the certificate expires within 14 days', async () => {
    const soon = pki.issue('soon', NAMES, { days: 5 });
    const server = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_TLS_CERT_FILE: soon.certFile, PARAKEET_TLS_KEY_FILE: soon.keyFile });
    try {
      const log = logOf(server);
      await server.url;
      const warning = await log.waitFor(/the TLS certificate CN=localhost expires in \d days/);
      expect(JSON.parse(warning)).toMatchObject({ level: 40, context: 'Tls', msg: expect.stringMatching(/expires in [45] days \(.*\): renew its files/) });
      const ready = JSON.parse((await httpsRequest(`${await server.url}/readyz`, pki.root + readFileSync(pki.intermediateFile, 'utf8'))).body) as { details: { tls: Record<string, unknown> } };
      expect(ready.details.tls).toMatchObject({ expiring: true, days_left: expect.any(Number) });
    } finally {
      await server.stop();
    }
  });
});

describe('self-signed certificate (PARAKEET_TLS_SELF_SIGNED)', () => {
  it('makes one for the names given plus loopback, logs its fingerprint, and serves it', async () => {
    const server = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_TLS_SELF_SIGNED: 'parakeet.test, 10.9.8.7' });
    try {
      const log = logOf(server);
      const url = await server.url;
      const announced = JSON.parse(await log.waitFor(/self-signed certificate/)) as { level: number; fingerprint_sha256: string; names: string[]; msg: string };
      expect(announced.level).toBe(40);
      expect(announced.names).toEqual(['parakeet.test', '10.9.8.7', 'localhost', '127.0.0.1', '0:0:0:0:0:0:0:1']);
      expect(announced.msg).toContain(announced.fingerprint_sha256);
      // Unverified first (that is the point of a fingerprint): the served certificate is the one announced.
      const seen = await handshake(url, { rejectUnauthorized: false });
      expect(seen.fingerprint256).toBe(announced.fingerprint_sha256);
      expect(seen.names).toBe('DNS:parakeet.test, IP Address:10.9.8.7, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      // Trusted by hand, it verifies for the name asked for.
      const pem = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(url).port), rejectUnauthorized: false }, () => {
          resolve(new X509Certificate(socket.getPeerCertificate().raw).toString());
          socket.end();
        });
        socket.on('error', reject);
      });
      expect((await handshake(url, { ca: pem, servername: 'parakeet.test' })).fingerprint256).toBe(announced.fingerprint_sha256);
    } finally {
      await server.stop();
    }
  });
});

describe('without the TLS variables', () => {
  it('serves plain HTTP and WS as before: no tls entry on /readyz, no certificate gauge, realtime over ws://', async () => {
    const app = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR });
    try {
      expect(app.url).toMatch(/^http:\/\//);
      const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { ready: boolean; info: Record<string, unknown> };
      expect(ready.ready).toBe(true);
      expect(Object.keys(ready.info).sort()).toEqual(['ffmpeg', 'model', 'scheduler']);
      expect(await (await fetch(`${app.url}/metrics`)).text()).not.toMatch(/^parakeet_tls_\w+\{/m);
      const session = await RealtimeClient.connect(app.url);
      expect(session.ws.url).toMatch(/^ws:\/\//);
      await session.next('session.created');
      await session.close();
    } finally {
      await app.close();
    }
  });
});
