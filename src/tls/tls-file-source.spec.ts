import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { TestPki } from '../../test/helpers/test-certificates.js';
import { TlsFileSource } from './tls-file-source.js';
import { TlsMaterialError } from './tls-material.js';

/** Real PEM files made by the openssl CLI. */
describe('TlsFileSource', () => {
  let pki: TestPki;
  let leaf: ReturnType<TestPki['issue']>;
  beforeAll(() => {
    pki = new TestPki();
    leaf = pki.issue('leaf', ['svc.example', '10.0.0.7'], { days: 9 });
  });
  afterAll(() => pki.remove());

  const problem = (source: TlsFileSource): TlsMaterialError => {
    try {
      source.read();
    } catch (e) {
      if (e instanceof TlsMaterialError) return e;
      throw e;
    }
    throw new Error('read() accepted the files');
  };

  it('serves the leaf first, then the intermediates, and describes the leaf as openssl does', () => {
    const material = new TlsFileSource({ certFile: leaf.certFile, keyFile: leaf.keyFile, caFile: pki.intermediateFile }).read();
    const chain = String(material.context.cert).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(chain.map((c) => new X509Certificate(c).subject)).toEqual(['CN=svc.example', 'CN=parakeet test intermediate']);
    expect(material.certificate).toEqual({ subject: 'CN=svc.example', names: ['svc.example', '10.0.0.7'], notAfter: leaf.notAfter, fingerprint256: leaf.fingerprint256 });
  });

  it('decrypts an encrypted key with its passphrase and never repeats the passphrase in a problem', () => {
    const locked = pki.issue('locked', ['svc.example'], { passphrase: 's3cret-phrase' });
    expect(new TlsFileSource({ certFile: locked.certFile, keyFile: locked.keyFile, passphrase: 's3cret-phrase' }).read().certificate.fingerprint256).toBe(locked.fingerprint256);
    const wrong = problem(new TlsFileSource({ certFile: locked.certFile, keyFile: locked.keyFile, passphrase: 'guess-phrase' }));
    expect([wrong.variable, wrong.message]).toEqual(['PARAKEET_TLS_KEY_PASSPHRASE', expect.stringMatching(/^PARAKEET_TLS_KEY_PASSPHRASE does not decrypt the key in PARAKEET_TLS_KEY_FILE/)]);
    expect(wrong.message).not.toContain('guess-phrase');
  });

  it('names the variable whose file is missing, not PEM, or does not belong', () => {
    const other = pki.issue('other', ['svc.example']);
    const garbage = pki.path('garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const cases: [TlsFileSource, string, RegExp][] = [
      [new TlsFileSource({ certFile: pki.path('nope.pem'), keyFile: leaf.keyFile }), 'PARAKEET_TLS_CERT_FILE', /^PARAKEET_TLS_CERT_FILE=".*nope\.pem" cannot be read: ENOENT/],
      [new TlsFileSource({ certFile: leaf.certFile, keyFile: pki.path('nope.key') }), 'PARAKEET_TLS_KEY_FILE', /^PARAKEET_TLS_KEY_FILE=".*nope\.key" cannot be read: ENOENT/],
      [new TlsFileSource({ certFile: garbage, keyFile: leaf.keyFile }), 'PARAKEET_TLS_CERT_FILE', /holds no PEM certificate/],
      [new TlsFileSource({ certFile: leaf.certFile, keyFile: garbage }), 'PARAKEET_TLS_KEY_FILE', /^PARAKEET_TLS_KEY_FILE=".*garbage\.pem" holds no usable PEM private key/],
      [new TlsFileSource({ certFile: leaf.certFile, keyFile: other.keyFile }), 'PARAKEET_TLS_KEY_FILE', /does not match the certificate in PARAKEET_TLS_CERT_FILE \(CN=svc\.example\)/],
      [new TlsFileSource({ certFile: leaf.certFile, keyFile: leaf.keyFile, caFile: garbage }), 'PARAKEET_TLS_CA_FILE', /^PARAKEET_TLS_CA_FILE=".*garbage\.pem" holds no PEM certificate/],
    ];
    for (const [source, variable, message] of cases) {
      const p = problem(source);
      expect([p.variable, p.message]).toEqual([variable, expect.stringMatching(message)]);
    }
  });

  it('reads the files afresh on every call (the reloader relies on it)', () => {
    const swapping = pki.issue('swapping', ['svc.example']);
    const certFile = pki.path('live.pem');
    const keyFile = pki.path('live.key');
    writeFileSync(certFile, readFileSync(leaf.certFile));
    writeFileSync(keyFile, readFileSync(leaf.keyFile));
    const source = new TlsFileSource({ certFile, keyFile });
    expect(source.read().certificate.fingerprint256).toBe(leaf.fingerprint256);
    writeFileSync(certFile, readFileSync(swapping.certFile));
    writeFileSync(keyFile, readFileSync(swapping.keyFile));
    expect(source.read().certificate.fingerprint256).toBe(swapping.fingerprint256);
    expect(source.files).toEqual([certFile, keyFile]);
  });
});
