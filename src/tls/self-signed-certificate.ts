import { isIP } from 'node:net';
import { generate } from 'selfsigned';
import { tlsMaterial, TlsMaterialError, type TlsMaterial } from './tls-material.js';

const VARIABLE = 'PARAKEET_TLS_SELF_SIGNED';
/** Always present, so the machine itself (probes, a local browser) can reach the server by its usual names. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const DNS_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** Long enough for a trial, short enough that a forgotten one does not linger; a restart makes a new one anyway. */
const VALID_DAYS = 90;

/** The names a PARAKEET_TLS_SELF_SIGNED value asks for; `auto` stands for this machine's own (given by the caller). */
export function selfSignedNames(value: string, machine: () => string[]): string[] {
  const asked = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const names = asked.flatMap((n) => (n.toLowerCase() === 'auto' ? machine() : [n]));
  for (const n of names) if (!isIP(n) && !DNS_NAME.test(n)) throw new TlsMaterialError(VARIABLE, `${VARIABLE}=${JSON.stringify(value)}: ${JSON.stringify(n)} is neither a host name nor an IP address`);
  return [...new Set([...names, ...LOOPBACK])];
}

/** A fresh key pair and a certificate for `names`, signed by itself (ECDSA P-256, SHA-256, server authentication). */
export async function selfSignedMaterial(names: string[], now = new Date()): Promise<TlsMaterial> {
  const notAfterDate = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: names[0] }, { name: 'organizationName', value: 'parakeet-nest self-signed' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  return tlsMaterial({ cert: pems.cert, key: pems.private }, { cert: VARIABLE, key: VARIABLE, ca: VARIABLE, passphrase: VARIABLE });
}
