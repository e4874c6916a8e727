import { describe, expect, it } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { selfSignedMaterial, selfSignedNames } from './self-signed-certificate.js';
import { TlsMaterialError } from './tls-material.js';

describe('selfSignedNames', () => {
  const machine = () => ['box-7', '192.168.4.20', 'fe80::1'];

  it('takes the names given, adds loopback once, and expands auto to the machine\'s names', () => {
    expect(selfSignedNames(' parakeet.lan , 10.1.2.3,localhost', machine)).toEqual(['parakeet.lan', '10.1.2.3', 'localhost', '127.0.0.1', '::1']);
    expect(selfSignedNames('auto,speech.lan', machine)).toEqual(['box-7', '192.168.4.20', 'fe80::1', 'speech.lan', 'localhost', '127.0.0.1', '::1']);
  });

  it('refuses what is neither a host name nor an address, naming the variable', () => {
    for (const bad of ['http://parakeet.lan', 'two words', 'under_score.lan', 'parakeet.lan:8443']) {
      expect(() => selfSignedNames(bad, machine)).toThrow(TlsMaterialError);
      expect(() => selfSignedNames(bad, machine)).toThrow(/^PARAKEET_TLS_SELF_SIGNED=/);
    }
  });
});

describe('selfSignedMaterial', () => {
  it('makes a server certificate for exactly those names, signed by its own key, valid 90 days', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const material = await selfSignedMaterial(['parakeet.lan', '10.1.2.3', 'localhost', '127.0.0.1', '::1'], now);
    const cert = new X509Certificate(String(material.context.cert));
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(String(material.context.key)))).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth
    expect([cert.checkHost('parakeet.lan'), cert.checkHost('localhost'), cert.checkIP('10.1.2.3'), cert.checkIP('::1')]).toEqual(['parakeet.lan', 'localhost', '10.1.2.3', '::1']);
    expect(cert.checkHost('other.lan')).toBeUndefined();
    expect(material.certificate.notAfter.getTime() - now.getTime()).toBe(90 * 86_400_000);
    expect(material.certificate.fingerprint256).toBe(cert.fingerprint256);
  });
});
