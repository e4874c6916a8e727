import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CertificateReloader } from './certificate-reloader.js';
import { ServerTls } from './server-tls.js';

/** Global: /readyz reads the certificate the port serves. */
@Global()
@Module({})
export class TlsModule {
  /** The certificate is read before Nest starts (the server is built with it), then shared from here. */
  static forRoot(tls: ServerTls): DynamicModule {
    return { module: TlsModule, providers: [{ provide: ServerTls, useValue: tls }, CertificateReloader], exports: [ServerTls] };
  }
}
