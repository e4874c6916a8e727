import { readFileSync } from 'node:fs';
import { tlsMaterial, TlsMaterialError, type TlsMaterial } from './tls-material.js';

export interface TlsFilePaths {
  certFile: string;
  keyFile: string;
  caFile?: string;
  passphrase?: string;
}

const FROM = { cert: 'PARAKEET_TLS_CERT_FILE', key: 'PARAKEET_TLS_KEY_FILE', ca: 'PARAKEET_TLS_CA_FILE', passphrase: 'PARAKEET_TLS_KEY_PASSPHRASE' };

/** The operator's certificate files, read afresh on every call (start-up and each reload). */
export class TlsFileSource {
  constructor(readonly paths: TlsFilePaths) {}

  /** Every file this source reads, for the watcher. */
  get files(): string[] {
    return [this.paths.certFile, this.paths.keyFile, ...(this.paths.caFile ? [this.paths.caFile] : [])];
  }

  read(): TlsMaterial {
    const cert = this.readText(FROM.cert, this.paths.certFile);
    const key = this.readText(FROM.key, this.paths.keyFile);
    const ca = this.paths.caFile ? this.readText(FROM.ca, this.paths.caFile) : undefined;
    try {
      return tlsMaterial({ cert, key, ca, passphrase: this.paths.passphrase }, FROM);
    } catch (e) {
      if (e instanceof TlsMaterialError) throw new TlsMaterialError(e.variable, `${this.shown(e.variable)} ${e.message}`);
      throw e;
    }
  }

  private readText(variable: string, path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new TlsMaterialError(variable, `${variable}=${JSON.stringify(path)} cannot be read: ${(e as Error).message}`);
    }
  }

  /** The variable as the message shows it: with its path, never with the passphrase. */
  private shown(variable: string): string {
    const path = { [FROM.cert]: this.paths.certFile, [FROM.key]: this.paths.keyFile, [FROM.ca]: this.paths.caFile }[variable];
    return path === undefined ? variable : `${variable}=${JSON.stringify(path)}`;
  }
}
