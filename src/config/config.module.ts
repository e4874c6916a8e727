import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from './app-config.js';
import type { EnvironmentVariables } from './env.schema.js';

@Global()
@Module({})
export class ConfigModule {
  /** The configuration is loaded (and validated) by the caller, before Nest starts. */
  static forRoot(config: EnvironmentVariables): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
