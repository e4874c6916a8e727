import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module.js';
import { ModelModule } from '../model/model.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ModelsController } from './models.controller.js';
import { TranscriptionController } from './transcription.controller.js';
import { TranscriptionService } from './transcription.service.js';

@Module({
  imports: [AudioModule, SchedulerModule, ModelModule],
  controllers: [TranscriptionController, ModelsController],
  providers: [TranscriptionService, ApiKeyGuard],
  exports: [TranscriptionService, ApiKeyGuard],
})
export class TranscriptionModule {}
