import { join } from 'node:path';
import { PROJECT_ROOT } from '../common/project-paths.js';
import { StaticAssets } from '../common/static-assets.js';

/** Where the page's files live. tsc does not copy them to dist/, so both builds read them from the sources. */
export const WEB_PUBLIC_DIR = join(PROJECT_ROOT, 'src', 'web', 'public');

/** Every file the page may load; nothing else under /web/ is served. */
export const WEB_FILES = ['index.html', 'style.css', 'app.js', 'live-transcription.js', 'file-transcription.js', 'api-key.js', 'model-info.js', 'capture-worklet.js', 'favicon.svg'] as const;

export function webAssets(): StaticAssets {
  return new StaticAssets(WEB_PUBLIC_DIR, WEB_FILES);
}
