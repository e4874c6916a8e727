import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AudioModule } from '../audio/audio.module.js';
import { ModelModule } from '../model/model.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { DrainState } from './drain-state.js';
import { EventLoopLag } from './event-loop-lag.js';
import { HealthController } from './health.controller.js';

/** Global: the drain state is read by the HTTP hook and the realtime gateway too. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ModelModule, AudioModule, SchedulerModule],
  controllers: [HealthController],
  providers: [DrainState, EventLoopLag],
  exports: [DrainState],
})
export class HealthModule {}
