import { Module } from '@nestjs/common';
import { HostResources } from '../common/host-resources.js';
import { AppConfig } from '../config/app-config.js';
import { HubClient } from './hub-client.js';
import { ModelDownloader } from './model-downloader.js';
import { ModelService } from './model.service.js';

@Module({
  providers: [
    {
      provide: ModelDownloader,
      useFactory: (config: AppConfig) => new ModelDownloader(new HubClient(config.hubUrl, config.hfToken)),
      inject: [AppConfig],
    },
    HostResources,
    ModelService,
  ],
  exports: [ModelService],
})
export class ModelModule {}
