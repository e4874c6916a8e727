import { Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeys } from './api-keys.js';

@Module({
  providers: [ApiKeys, ApiKeyGuard],
  exports: [ApiKeys, ApiKeyGuard],
})
export class AuthModule {}
