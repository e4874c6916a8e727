import { IsOptional, IsString, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { EnvVar } from './env-var.decorator.js';
import { JobsVariables } from './jobs.schema.js';

interface TlsFields {
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
  tlsKeyPassphrase?: string;
  tlsSelfSigned?: string;
}

const set = (v: string | undefined) => v !== undefined && v.trim() !== '';

/**
 * The TLS variables only make sense together: a certificate needs its key, and a self-signed certificate made at
 * start-up would silently shadow files the operator meant to serve.
 */
@ValidatorConstraint({ name: 'tlsPairing' })
class TlsPairing implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return this.problem(args.property, args.object as TlsFields) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return this.problem(args.property, args.object as TlsFields) ?? '';
  }

  /** Reported on the variable that is set, since validation skips unset optional ones. */
  private problem(property: string, c: TlsFields): string | undefined {
    const files = set(c.tlsCertFile) || set(c.tlsKeyFile);
    if (property === 'tlsCertFile' && set(c.tlsCertFile) && !set(c.tlsKeyFile)) return 'PARAKEET_TLS_KEY_FILE must be set too';
    if (property === 'tlsKeyFile' && set(c.tlsKeyFile) && !set(c.tlsCertFile)) return 'PARAKEET_TLS_CERT_FILE must be set too';
    if (property === 'tlsSelfSigned' && set(c.tlsSelfSigned) && files) return 'choose either certificate files (PARAKEET_TLS_CERT_FILE, PARAKEET_TLS_KEY_FILE) or a self-signed certificate, not both';
    if (property === 'tlsCaFile' && set(c.tlsCaFile) && !files) return 'it is only used with PARAKEET_TLS_CERT_FILE and PARAKEET_TLS_KEY_FILE';
    return undefined;
  }
}

/**
 * HTTPS and WSS on the service's own port (docs/tls.md). Part of the one schema (EnvironmentVariables extends this
 * class through SchedulingVariables' chain); kept apart so neither file outgrows 400 lines.
 */
export class TlsVariables extends JobsVariables {
  @EnvVar({
    name: 'PARAKEET_TLS_CERT_FILE',
    kind: 'optional-string',
    description:
      'PEM certificate (leaf first, intermediates may follow). With PARAKEET_TLS_KEY_FILE the port serves HTTPS and WSS only (TLS 1.2 or later); the files are reloaded when they change or on SIGHUP. Unset: plain HTTP and WS. See docs/tls.md.',
  })
  @IsOptional()
  @IsString()
  @Validate(TlsPairing)
  tlsCertFile?: string;

  @EnvVar({ name: 'PARAKEET_TLS_KEY_FILE', kind: 'optional-string', description: 'PEM private key of PARAKEET_TLS_CERT_FILE (RSA, EC or Ed25519; PKCS#1, SEC1 or PKCS#8).' })
  @IsOptional()
  @IsString()
  @Validate(TlsPairing)
  tlsKeyFile?: string;

  @EnvVar({ name: 'PARAKEET_TLS_CA_FILE', kind: 'optional-string', description: 'PEM intermediate certificates sent after the leaf, when PARAKEET_TLS_CERT_FILE holds the leaf alone.' })
  @IsOptional()
  @IsString()
  @Validate(TlsPairing)
  tlsCaFile?: string;

  @EnvVar({ name: 'PARAKEET_TLS_KEY_PASSPHRASE', kind: 'optional-string', description: 'Passphrase of an encrypted PARAKEET_TLS_KEY_FILE.' })
  // No pairing check: a validation message would echo the secret.
  @IsOptional()
  @IsString()
  tlsKeyPassphrase?: string;

  @EnvVar({
    name: 'PARAKEET_TLS_SELF_SIGNED',
    kind: 'optional-string',
    description:
      'For trying HTTPS on a network without a certificate: comma-separated host names and IP addresses for a self-signed certificate made at start-up (`localhost`, `127.0.0.1` and `::1` are always added; `auto` adds this machine\'s host name and addresses). Its SHA-256 fingerprint is logged; clients must trust it by hand. A new one is made at every start. Never for production.',
  })
  @IsOptional()
  @IsString()
  @Validate(TlsPairing)
  tlsSelfSigned?: string;
}
