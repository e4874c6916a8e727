import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/api-error.js';
import type { StaticAssets } from '../common/static-assets.js';
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
    const asset = this.assets.get(name);
    if (!asset) throw new ApiError(404, `No such documentation asset: ${name.slice(0, 64)}`, 'not_found');
    // The UI files are versioned with the package; the page itself is tiny and always fetched fresh.
    void reply.header('Cache-Control', name === 'index.html' ? 'no-cache' : 'public, max-age=3600').type(asset.contentType).send(asset.body);
  }
}
