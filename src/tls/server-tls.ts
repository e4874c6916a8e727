import { hostname, networkInterfaces } from 'node:os';
import type { ServerOptions } from 'node:https';
import { ConfigError } from '../config/load-config.js';
import type { EnvironmentVariables } from '../config/env.schema.js';
import { selfSignedMaterial, selfSignedNames } from './self-signed-certificate.js';
import { TlsFileSource } from './tls-file-source.js';
import { TlsMaterialError, type TlsMaterial } from './tls-material.js';

export type TlsSource = 'files' | 'self-signed';

/** This machine's host name and non-loopback addresses, for PARAKEET_TLS_SELF_SIGNED=auto. */
function machineNames(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal)
    .map((a) => a!.address.split('%')[0]);
  return [hostname(), ...addresses];
}

/**
 * Whether the port speaks TLS and with which certificate. Made before the server exists (Fastify takes its TLS
 * options at construction), then handed to Nest so probes, metrics and the reloader share one current state.
 */
export class ServerTls {
  private material?: TlsMaterial;
  /** When the last reload attempt failed, why: the old certificate stays in service meanwhile. */
  lastReloadError?: string;

  private constructor(
    readonly source: TlsSource | null,
    readonly files?: TlsFileSource,
    material?: TlsMaterial,
  ) {
    this.material = material;
  }

  static disabled(): ServerTls {
    return new ServerTls(null);
  }

  /** Reads (or makes) the certificate; a problem stops start-up as a ConfigError naming the variable. */
  static async fromConfig(config: EnvironmentVariables): Promise<ServerTls> {
    const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
    try {
      if (present(config.tlsCertFile) && present(config.tlsKeyFile)) {
        const files = new TlsFileSource({
          certFile: config.tlsCertFile,
          keyFile: config.tlsKeyFile,
          caFile: present(config.tlsCaFile) ? config.tlsCaFile : undefined,
          passphrase: config.tlsKeyPassphrase || undefined,
        });
        return new ServerTls('files', files, files.read());
      }
      if (present(config.tlsSelfSigned)) return new ServerTls('self-signed', undefined, await selfSignedMaterial(selfSignedNames(config.tlsSelfSigned, machineNames)));
    } catch (e) {
      if (e instanceof TlsMaterialError) throw new ConfigError([e.message]);
      throw e;
    }
    return ServerTls.disabled();
  }

  get enabled(): boolean {
    return this.material !== undefined;
  }

  get current(): TlsMaterial | undefined {
    return this.material;
  }

  /** Options for `https.createServer`; undefined when the port is plain HTTP. */
  serverOptions(): ServerOptions | undefined {
    // Node's default floor is TLS 1.2 too, but NODE_OPTIONS=--tls-min-v1.0 could lower it: pin it here.
    return this.material ? { ...this.material.context, minVersion: 'TLSv1.2' } : undefined;
  }

  /**
   * Reads the files again. Returns the new material when the certificate or key changed, undefined when they
   * did not; throws (keeping the current material) when the new files are unusable.
   */
  reload(): TlsMaterial | undefined {
    if (!this.files || !this.material) return undefined;
    const next = this.files.read();
    const same = next.context.cert === this.material.context.cert && next.context.key === this.material.context.key;
    this.lastReloadError = undefined;
    if (same) return undefined;
    this.material = next;
    return next;
  }
}
