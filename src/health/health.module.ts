import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AudioModule } from '../audio/audio.module.js';
import { ModelModule } from '../model/model.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ModelModule, AudioModule],
  controllers: [HealthController],
})
export class HealthModule {}
