import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { MicrobatchScheduler } from './microbatch-scheduler.js';

@Module({
  imports: [ModelModule],
  providers: [MicrobatchScheduler],
  exports: [MicrobatchScheduler],
})
export class SchedulerModule {}
