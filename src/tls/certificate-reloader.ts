import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as TlsServer } from 'node:tls';
import { MetricsService } from '../metrics/metrics.service.js';
import { daysLeft } from './certificate-facts.js';
import { FileChangeWatcher } from './file-change-watcher.js';
import { ServerTls } from './server-tls.js';
import { EXPIRY_WARNING_DAYS } from './tls-status.js';

const EXPIRY_CHECK_MS = 6 * 3600_000;

/**
 * Puts renewed certificate files into service without a restart: new handshakes get the new certificate through
 * `setSecureContext`, while open connections (and realtime sessions on them) keep the one they were made with.
 */
@Injectable()
export class CertificateReloader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Tls');
  private watcher?: FileChangeWatcher;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    private readonly tls: ServerTls,
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.tls.enabled) return;
    const c = this.tls.current!.certificate;
    const fields = { source: this.tls.source, subject: c.subject, names: c.names, expires_at: c.notAfter.toISOString(), fingerprint_sha256: c.fingerprint256 };
    if (this.tls.source === 'self-signed') {
      this.logger.warn(fields, `serving HTTPS with a self-signed certificate for ${c.names.join(', ')}: clients must trust it by hand (SHA-256 fingerprint ${c.fingerprint256}); not for production`);
    } else {
      this.logger.log(fields, `serving HTTPS with ${c.subject} (expires ${c.notAfter.toISOString()}), reloaded when its files change or on SIGHUP`);
    }
    this.publish();
    this.expiryTimer = setInterval(() => this.warnIfExpiring(), EXPIRY_CHECK_MS).unref();
    if (this.tls.files) {
      this.watcher = new FileChangeWatcher(this.tls.files.files, (reasons) => this.reload(reasons), { debounceMs: 300, pollMs: 5000, signal: 'SIGHUP' });
      this.watcher.start();
    }
  }

  onApplicationShutdown(): void {
    this.watcher?.close();
    clearInterval(this.expiryTimer);
  }

  /** A failed reload never takes the server down: the previous certificate stays until the files are fixed. */
  reload(reasons: string[]): void {
    const why = reasons.join(', ');
    try {
      const next = this.tls.reload();
      if (!next) {
        if (reasons.includes('SIGHUP')) this.logger.log(`${why}: certificate files re-read, unchanged`);
        return;
      }
      (this.adapterHost.httpAdapter.getHttpServer() as TlsServer).setSecureContext(this.tls.serverOptions()!);
      const c = next.certificate;
      this.logger.log({ expires_at: c.notAfter.toISOString(), fingerprint_sha256: c.fingerprint256 }, `${why}: certificate reloaded, new connections get ${c.subject} (expires ${c.notAfter.toISOString()})`);
      this.metrics.prometheus.tlsReloads.inc({ result: 'ok' });
      this.publish();
    } catch (e) {
      // Directory events and stat polling can both report one change: say it once (SIGHUP always answers).
      const repeated = this.tls.lastReloadError === (e as Error).message && !reasons.includes('SIGHUP');
      this.tls.lastReloadError = (e as Error).message;
      if (repeated) return;
      this.metrics.prometheus.tlsReloads.inc({ result: 'error' });
      this.logger.error(`${why}: certificate not reloaded, still serving the previous one: ${(e as Error).message}`);
    }
  }

  private publish(): void {
    const gauge = this.metrics.prometheus.tlsCertificateExpiry;
    gauge.reset();
    gauge.set({ source: this.tls.source! }, Math.floor(this.tls.current!.certificate.notAfter.getTime() / 1000));
    this.warnIfExpiring();
  }

  private warnIfExpiring(): void {
    const c = this.tls.current!.certificate;
    const days = daysLeft(c, Date.now());
    if (days < 0) this.logger.error(`the TLS certificate ${c.subject} expired on ${c.notAfter.toISOString()}: clients refuse it; renew its files`);
    else if (days < EXPIRY_WARNING_DAYS) this.logger.warn(`the TLS certificate ${c.subject} expires in ${days} days (${c.notAfter.toISOString()}): renew its files`);
  }
}
