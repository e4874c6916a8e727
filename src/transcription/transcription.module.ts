import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module.js';
import { ModelModule } from '../model/model.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { VadModule } from '../vad/vad.module.js';
import { ModelsController } from './models.controller.js';
import { TranscriptionController } from './transcription.controller.js';
import { TranscriptionService } from './transcription.service.js';

@Module({
  imports: [AudioModule, SchedulerModule, ModelModule, AuthModule, VadModule],
  controllers: [TranscriptionController, ModelsController],
  providers: [TranscriptionService],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
