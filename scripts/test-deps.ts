import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What `npm test` needs beyond `npm ci`, checked before the tests run (`pretest`) so a fresh machine gets one
 * clear line instead of a failed browser test. `--install` (`npm run test:setup`) installs what is missing with
 * Debian's apt-get (as root, or through sudo). Everything else the tests use comes with `npm ci` (ffmpeg's static
 * build, ONNX Runtime, the models) or is committed (fixtures).
 */
interface Requirement {
  what: string;
  /** Debian package that provides it. */
  debian: string;
  present(): boolean;
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// The web page's test drives this browser (test/web-page.e2e-spec.ts reads the same variable).
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, name)));

const REQUIREMENTS: Requirement[] = [
  { what: `Chromium at ${chromium} (the web page's browser test; another binary: CHROMIUM_PATH)`, debian: 'chromium', present: () => executable(chromium) },
  { what: 'redis-server on PATH (the jobs test starts its own)', debian: 'redis-server', present: () => onPath('redis-server') },
];

const missing = REQUIREMENTS.filter((r) => !r.present());
if (!missing.length) process.exit(0);
const packages = missing.map((r) => r.debian);
if (process.argv.includes('--install')) {
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  console.log(`installing ${packages.join(' ')} (apt-get)`);
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  const still = missing.filter((r) => !r.present());
  if (!still.length) process.exit(0);
  console.error(`still missing after apt-get: ${still.map((r) => r.what).join('; ')}`);
  process.exit(1);
}
console.error(`npm test needs: ${missing.map((r) => r.what).join('; ')}.`);
console.error(`Install with \`npm run test:setup\` (runs: apt-get install ${packages.join(' ')}), or run \`bash .ci/run\`, which installs and tests.`);
process.exit(1);
