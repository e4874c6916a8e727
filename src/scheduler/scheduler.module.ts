import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { AdmissionControl } from './admission-control.js';
import { ChunkedTranscriber } from './chunked-transcriber.js';
import { MicrobatchScheduler } from './microbatch-scheduler.js';

@Module({
  imports: [ModelModule],
  providers: [MicrobatchScheduler, ChunkedTranscriber, AdmissionControl],
  exports: [MicrobatchScheduler, ChunkedTranscriber, AdmissionControl],
})
export class SchedulerModule {}
