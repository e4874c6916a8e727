import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sendAsset, type StaticAssets } from '../common/static-assets.js';
import { swaggerUiAssets } from './swagger-ui-page.js';

/** GET /docs: interactive API documentation over /openapi.json. */
@ApiExcludeController()
@Controller('docs')
export class DocsController {
  private readonly assets: StaticAssets = swaggerUiAssets();

  @Get()
  index(@Res() reply: FastifyReply) {
    this.send(reply, 'index.html');
  }

  @Get(':file')
  file(@Param('file') file: string, @Res() reply: FastifyReply) {
    this.send(reply, file);
  }

  private send(reply: FastifyReply, name: string): void {
    // The UI files are versioned with the package; the page itself is tiny and always fetched fresh.
    sendAsset(reply, this.assets, name, { 'Cache-Control': name === 'index.html' ? 'no-cache' : 'public, max-age=3600' }, 'documentation asset');
  }
}
