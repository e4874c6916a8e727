import { Module } from '@nestjs/common';
import { AudioService } from './audio.service.js';

@Module({
  providers: [AudioService],
  exports: [AudioService],
})
export class AudioModule {}
