import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { StaticAssets } from '../common/static-assets.js';

const UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png'] as const;

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>parakeet-nest API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/initializer.js"></script>
</body>
</html>
`;

const INITIALIZER_JS = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

/**
 * The Swagger UI page for /docs, served from the swagger-ui-dist package that @nestjs/swagger itself uses
 * (its own UI route needs @fastify/static, which Jest cannot load), pointed at this service's /openapi.json.
 */
export function swaggerUiAssets(): StaticAssets {
  const require = createRequire(import.meta.url);
  const assets = new StaticAssets(dirname(require.resolve('swagger-ui-dist/package.json')), UI_FILES);
  assets.add('index.html', INDEX_HTML);
  assets.add('initializer.js', INITIALIZER_JS);
  return assets;
}
