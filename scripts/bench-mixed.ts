import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildMixedClips, describeMixed, runMixedLoad } from './bench/mixed-load.js';
import { startServerChild } from './bench/server-child.js';

/**
 * `npm run bench:mixed -- [--url URL] [--env KEY=VALUE …] [--json out.json]`: the `mixed` row of `npm run bench`
 * alone: short clips beside three 129-s uploads, against the production build it starts (service defaults, so
 * the server decodes as users get it), or against a server already running at --url (to compare builds).
 */
const { values } = parseArgs({ options: { url: { type: 'string' }, env: { type: 'string', multiple: true }, json: { type: 'string' }, long: { type: 'string', default: '3' } } });
const env = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const clips = buildMixedClips();
const server = values.url ? undefined : await startServerChild(env);
try {
  const row = await runMixedLoad(values.url ?? server!.url, clips, { longCount: Number(values.long) });
  console.log(describeMixed(row));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(row, null, 2)}\n`);
} finally {
  await server?.stop();
}
