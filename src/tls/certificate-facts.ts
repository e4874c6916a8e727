import { X509Certificate } from 'node:crypto';

/** What operators and probes need to know about the certificate being served. */
export interface CertificateFacts {
  subject: string;
  /** DNS names and IP addresses from subjectAltName (what clients check the host against). */
  names: string[];
  notAfter: Date;
  /** SHA-256 of the DER certificate, colon-separated hex, as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint256: string;
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined);
  return { subject: cert.subject.replaceAll('\n', ', '), names, notAfter: new Date(cert.validTo), fingerprint256: cert.fingerprint256 };
}

/** Whole days left before `notAfter` (negative once expired). */
export function daysLeft(facts: CertificateFacts, now: number): number {
  return Math.floor((facts.notAfter.getTime() - now) / 86_400_000);
}
