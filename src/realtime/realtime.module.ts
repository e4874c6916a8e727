import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { TranscriptionModule } from '../transcription/transcription.module.js';
import { VadModule } from '../vad/vad.module.js';
import { RealtimeGateway } from './realtime.gateway.js';

@Module({
  imports: [AuthModule, SchedulerModule, TranscriptionModule, VadModule],
  providers: [RealtimeGateway],
  exports: [RealtimeGateway],
})
export class RealtimeModule {}
