import { parseArgs } from 'node:util';
import { DEFAULT_WINDOW_LABELS, parseWindow, type ReportWindow } from './report-window.js';

export const REPORT_USAGE =
  'usage: npm run metrics:report -- [--windows 30m 1h 3h 6h 12h 24h 3d] [--dir DIR] [--json] [--html out.html] [--now ISO]';

/** The command line could not be understood; the CLI prints the message with the usage and exits 2. */
export class ReportUsageError extends Error {}

export interface ReportCliOptions {
  windows: ReportWindow[];
  /** As given; the CLI resolves the default. */
  dir?: string;
  json: boolean;
  html?: string;
  now: Date;
}

/**
 * Parses the report's arguments. `--windows` takes several values (`--windows 30m 1h`, as the issue writes
 * it), which node's parseArgs sees as one option value and positionals; so every positional is a window
 * too, and commas also separate them (`--windows 30m,1h`).
 */
export function parseReportArgs(argv: string[], clockNow: Date): ReportCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        windows: { type: 'string', multiple: true },
        dir: { type: 'string' },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
        now: { type: 'string' },
      },
    });
  } catch (e) {
    throw new ReportUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const given = [...(values.windows ?? []), ...positionals].flatMap((w) => w.split(',')).filter((w) => w !== '');
  let windows: ReportWindow[];
  try {
    windows = (given.length > 0 ? given : DEFAULT_WINDOW_LABELS).map(parseWindow);
  } catch (e) {
    throw new ReportUsageError((e as Error).message);
  }
  let now = clockNow;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(values.now) || Number.isNaN(now.getTime())) throw new ReportUsageError(`bad --now ${JSON.stringify(values.now)}: use an ISO time such as 2026-11-26T10:00:00Z`);
  }
  return { windows, dir: values.dir, json: values.json, html: values.html, now };
}
