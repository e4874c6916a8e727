import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sendAsset, type StaticAssets } from '../common/static-assets.js';
import { webAssets } from './web-assets.js';

/**
 * Same-origin only: scripts, styles, the worklet and the API calls all come from this service; `blob:` media is the
 * reader's own chosen file, played back in the page.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** GET /: a page to try the service from a browser (live microphone and file upload), and its files under /web/. */
@ApiExcludeController()
@Controller()
export class WebController {
  private readonly assets: StaticAssets = webAssets();

  @Get()
  index(@Res() reply: FastifyReply) {
    this.send(reply, 'index.html');
  }

  @Get('web/:file')
  file(@Param('file') file: string, @Res() reply: FastifyReply) {
    this.send(reply, file);
  }

  private send(reply: FastifyReply, name: string): void {
    // The files are not versioned by name, so the browser revalidates them rather than running stale code.
    sendAsset(reply, this.assets, name, { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': CONTENT_SECURITY_POLICY }, 'page asset');
  }
}
