import { Module } from '@nestjs/common';
import { VadService } from './vad.service.js';

@Module({
  providers: [VadService],
  exports: [VadService],
})
export class VadModule {}
