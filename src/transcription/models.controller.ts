import { UseGuards, Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { TranscriptionService } from './transcription.service.js';

const CREATED = Math.floor(Date.now() / 1000);

/** GET /v1/models: the loaded model, as OpenAI lists models (clients fill model pickers from it). */
@ApiTags('models')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly transcription: TranscriptionService) {}

  @Get()
  list() {
    return { object: 'list', data: this.transcription.modelIds().map((id) => this.describe(id)) };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    if (!this.transcription.modelIds().includes(id)) {
      throw new ApiError(404, `The model \`${id.slice(0, 64)}\` does not exist.`, 'model_not_found', 'model');
    }
    return this.describe(id);
  }

  private describe(id: string) {
    return { id, object: 'model', created: CREATED, owned_by: 'parakeet-nest', task: 'transcribe', language: ['en'] };
  }
}
