import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PKI made with the openssl CLI (independent of the code under test): a root CA that clients trust,
 * an intermediate that signs server certificates. Everything lives in a temp directory removed by `remove()`.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'parakeet-tls-'));
  readonly rootFile = join(this.dir, 'root.pem');
  readonly intermediateFile = join(this.dir, 'intermediate.pem');
  private serial = 1;

  constructor() {
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.path('root.key'), '-out', this.rootFile, '-days', '30', '-subj', '/CN=parakeet test root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    this.openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.path('intermediate.key'), '-out', this.path('intermediate.csr'), '-subj', '/CN=parakeet test intermediate']);
    writeFileSync(this.path('intermediate.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    this.sign('intermediate', this.rootFile, this.path('root.key'), 30);
  }

  get root(): string {
    return readFileSync(this.rootFile, 'utf8');
  }

  /**
   * A server certificate for `names` signed by the intermediate, written as `<name>.pem` and `<name>.key`
   * (the key encrypted when a passphrase is given). Returns the files and the certificate's SHA-256 fingerprint.
   */
  issue(name: string, names: string[], options: { days?: number; passphrase?: string } = {}): { certFile: string; keyFile: string; fingerprint256: string; notAfter: Date } {
    const plainKey = this.path(`${name}.plain.key`);
    this.openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', plainKey, '-out', this.path(`${name}.csr`), '-subj', `/CN=${names[0]}`]);
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    writeFileSync(this.path(`${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    this.sign(name, this.intermediateFile, this.path('intermediate.key'), options.days ?? 20);
    const keyFile = this.path(`${name}.key`);
    if (options.passphrase) this.openssl(['pkey', '-in', plainKey, '-aes256', '-passout', `pass:${options.passphrase}`, '-out', keyFile]);
    else writeFileSync(keyFile, readFileSync(plainKey));
    rmSync(plainKey);
    const cert = new X509Certificate(readFileSync(this.path(`${name}.pem`)));
    return { certFile: this.path(`${name}.pem`), keyFile, fingerprint256: cert.fingerprint256, notAfter: new Date(cert.validTo) };
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private sign(name: string, caCert: string, caKey: string, days: number): void {
    this.openssl(['x509', '-req', '-in', this.path(`${name}.csr`), '-CA', caCert, '-CAkey', caKey, '-set_serial', String(this.serial++), '-days', String(days), '-extfile', this.path(`${name}.ext`), '-out', this.path(`${name}.pem`)]);
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
