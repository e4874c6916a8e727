import { daysLeft } from './certificate-facts.js';
import type { ServerTls } from './server-tls.js';

/** Within this many days of expiry the certificate is logged as a warning (and /readyz says so). */
export const EXPIRY_WARNING_DAYS = 14;

/** The certificate as /readyz shows it. Readiness stays up even when it expires: another pod would serve the same one. */
export function tlsDetails(tls: ServerTls, now: number) {
  const c = tls.current!.certificate;
  const days = daysLeft(c, now);
  return {
    source: tls.source,
    subject: c.subject,
    names: c.names,
    expires_at: c.notAfter.toISOString(),
    days_left: days,
    ...(days < EXPIRY_WARNING_DAYS ? { expiring: true } : {}),
    fingerprint_sha256: c.fingerprint256,
    ...(tls.lastReloadError ? { reload_error: tls.lastReloadError } : {}),
  };
}
