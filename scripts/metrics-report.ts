import { statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../src/common/project-paths.js';
import { loadConfig } from '../src/config/load-config.js';
import { renderReportHtml } from '../src/metrics/report/html/report-html.js';
import { buildMetricsReport } from '../src/metrics/report/metrics-report.js';
import { parseReportArgs, REPORT_USAGE, ReportUsageError, type ReportCliOptions } from '../src/metrics/report/report-cli-args.js';
import { formatReportText } from '../src/metrics/report/report-text.js';
import { chooseBucketMs, timeBuckets } from '../src/metrics/report/time-buckets.js';

/**
 * `npm run metrics:report -- [--windows 30m 1h 3h 6h 12h 24h 3d] [--dir DIR] [--json] [--html out.html] [--now ISO]`:
 * reads the JSONL metric files (current, rotated, gzipped) and prints a table per window, or JSON; `--html`
 * also writes a self-contained page with charts. Offline: it reads files only, never the running service.
 */
let options: ReportCliOptions;
try {
  options = parseReportArgs(process.argv.slice(2), new Date());
} catch (e) {
  if (!(e instanceof ReportUsageError)) throw e;
  console.error(`metrics-report: ${e.message}\n${REPORT_USAGE}`);
  process.exit(2);
}

try {
  // Without --dir, the directory the service writes to: PARAKEET_METRICS_DIR, relative to the project root.
  const dir = options.dir !== undefined ? resolve(options.dir) : resolve(PROJECT_ROOT, loadConfig(process.env).metricsDir);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no metrics directory at ${dir} (set --dir or PARAKEET_METRICS_DIR)`);
  const { report, table } = await buildMetricsReport({ dir, windows: options.windows, now: options.now });
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReportText(report));
  if (options.html !== undefined) {
    const widest = Math.max(...options.windows.map((w) => w.ms));
    const bucketMs = chooseBucketMs(widest);
    const buckets = timeBuckets(table, options.now.getTime(), widest, bucketMs);
    writeFileSync(options.html, renderReportHtml(report, buckets, bucketMs));
    // On stderr, so that --json --html still leaves only JSON on stdout.
    console.error(`metrics-report: wrote ${resolve(options.html)}`);
  }
} catch (e) {
  console.error(`metrics-report: ${(e as Error).message}`);
  process.exit(1);
}
