import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { certificateFacts, type CertificateFacts } from './certificate-facts.js';

/** A certificate chain and its key, checked to belong together, ready for `createServer` or `setSecureContext`. */
export interface TlsMaterial {
  context: SecureContextOptions;
  certificate: CertificateFacts;
}

/** Which variable a problem belongs to, so start-up can name it. */
export class TlsMaterialError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

export interface TlsPem {
  cert: string;
  key: string;
  /** Intermediates sent after the leaf. */
  ca?: string;
  passphrase?: string;
}

/** Variables the PEM came from (the self-signed certificate names its own). */
export interface TlsSources {
  cert: string;
  key: string;
  ca: string;
  passphrase: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks PEM text the way a handshake would need it: a parseable leaf, a key that decrypts and matches it,
 * parseable intermediates, and a context OpenSSL accepts. Throws TlsMaterialError naming the culprit variable.
 */
export function tlsMaterial(pem: TlsPem, from: TlsSources): TlsMaterial {
  const certs: string[] = pem.cert.match(PEM_CERT) ?? [];
  if (certs.length === 0) throw new TlsMaterialError(from.cert, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!);
  } catch (e) {
    throw new TlsMaterialError(from.cert, `holds a certificate that cannot be parsed: ${(e as Error).message}`);
  }
  const intermediates: string[] = pem.ca === undefined ? [] : (pem.ca.match(PEM_CERT) ?? []);
  if (pem.ca !== undefined && intermediates.length === 0) throw new TlsMaterialError(from.ca, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  for (const c of [...certs.slice(1), ...intermediates]) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new TlsMaterialError(intermediates.includes(c) ? from.ca : from.cert, `holds an intermediate certificate that cannot be parsed: ${(e as Error).message}`);
    }
  }
  // OpenSSL 3 reports a missing passphrase only as "interrupted or cancelled": look at the PEM itself.
  if (pem.passphrase === undefined && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem.key)) {
    throw new TlsMaterialError(from.passphrase, `must be set: the key in ${from.key} is encrypted`);
  }
  let key;
  try {
    key = createPrivateKey({ key: pem.key, format: 'pem', passphrase: pem.passphrase });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_MISSING_PASSPHRASE') throw new TlsMaterialError(from.passphrase, `must be set: the key in ${from.key} is encrypted`);
    if (pem.passphrase !== undefined && /decrypt/i.test(err.message)) throw new TlsMaterialError(from.passphrase, `does not decrypt the key in ${from.key}`);
    throw new TlsMaterialError(from.key, `holds no usable PEM private key: ${err.message}`);
  }
  if (!leaf.checkPrivateKey(key)) throw new TlsMaterialError(from.key, `does not match the certificate in ${from.cert} (${leaf.subject.replaceAll('\n', ', ')})`);
  // Leaf first, then intermediates: the order Node sends them in and clients expect.
  const context: SecureContextOptions = { cert: [...certs, ...intermediates].join('\n'), key: pem.key, passphrase: pem.passphrase };
  try {
    createSecureContext(context);
  } catch (e) {
    throw new TlsMaterialError(from.cert, `is refused by OpenSSL: ${(e as Error).message}`);
  }
  return { context, certificate: certificateFacts(leaf) };
}
