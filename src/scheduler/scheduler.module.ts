import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { ChunkedTranscriber } from './chunked-transcriber.js';
import { MicrobatchScheduler } from './microbatch-scheduler.js';

@Module({
  imports: [ModelModule],
  providers: [MicrobatchScheduler, ChunkedTranscriber],
  exports: [MicrobatchScheduler, ChunkedTranscriber],
})
export class SchedulerModule {}
