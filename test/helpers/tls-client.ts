import { request } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';

/**
 * One HTTPS request with Node's own client, trusting `ca` only; `ca: null` verifies nothing, as the kubelet's
 * HTTPS probes do. `servername`: the name checked against the certificate when it is not the URL's host.
 */
export function httpsRequest(url: string, ca: string | null, init: { method?: string; headers?: Record<string, string>; servername?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const trust = ca === null ? { rejectUnauthorized: false } : { ca };
    const req = request(url, { ...trust, servername: init.servername, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits for /readyz to answer 200 over HTTPS. */
export async function waitForHttpsReady(url: string, ca: string, timeoutMs = 60000): Promise<unknown> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await httpsRequest(`${url}/readyz`, ca).catch((e: Error) => ({ status: 0, body: e.message }));
    if (r.status === 200) return JSON.parse(r.body);
    if (Date.now() > until) throw new Error(`not ready within ${timeoutMs} ms: ${r.status} ${r.body.slice(0, 500)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** A fresh TLS handshake with the server: what it presented and what was negotiated (or why it failed). */
export function handshake(url: string, options: ConnectionOptions): Promise<{ fingerprint256: string; protocol: string | null; names: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), servername: /^[\d.]+$/.test(hostname) ? undefined : hostname, ...options }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ fingerprint256: cert.fingerprint256, protocol: socket.getProtocol(), names: cert.subjectaltname ?? '' });
      socket.end();
    });
    socket.on('error', reject);
  });
}
