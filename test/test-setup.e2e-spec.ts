import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CHECK = join(process.cwd(), 'dist', 'scripts', 'test-deps.js');

describe('the test set-up check (pretest)', () => {
  it('passes on this machine, which has the set-up', () => {
    const run = spawnSync(process.execPath, [CHECK], { encoding: 'utf8' });
    expect(run.status).toBe(0);
  });

  it('stops with what to install and how when the browser is missing', () => {
    const run = spawnSync(process.execPath, [CHECK], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Chromium at /nonexistent/chromium');
    expect(run.stderr).toContain('npm run test:setup');
    expect(run.stderr).toContain('apt-get install chromium');
    expect(run.stderr).toContain('bash .ci/run');
  });
});
