import { describe, expect, it } from '@jest/globals';
import { parseReportArgs, ReportUsageError } from './report-cli-args.js';

const CLOCK = new Date('2026-11-26T10:00:00Z');
const labels = (argv: string[]) => parseReportArgs(argv, CLOCK).windows.map((w) => w.label);

describe('parseReportArgs', () => {
  it('defaults to the issue windows, the clock and text output', () => {
    expect(parseReportArgs([], CLOCK)).toEqual({
      windows: ['30m', '1h', '3h', '6h', '12h', '24h', '3d'].map((label) => expect.objectContaining({ label })),
      dir: undefined,
      json: false,
      html: undefined,
      now: CLOCK,
    });
  });

  it('takes windows as --windows A B C, repeated --windows, or commas', () => {
    expect(labels(['--windows', '30m', '1h', '7d'])).toEqual(['30m', '1h', '7d']);
    expect(labels(['--windows', '30m', '--json', '--windows', '2h'])).toEqual(['30m', '2h']);
    expect(labels(['--windows', '30m,1h'])).toEqual(['30m', '1h']);
  });

  it('reads --dir, --json, --html and --now', () => {
    const o = parseReportArgs(['--dir', 'x/y', '--json', '--html', 'out.html', '--now', '2026-11-20T00:00:00Z'], CLOCK);
    expect(o).toMatchObject({ dir: 'x/y', json: true, html: 'out.html', now: new Date('2026-11-20T00:00:00Z') });
  });

  it('throws a usage error for an unknown option, a bad window or a bad --now', () => {
    expect(() => parseReportArgs(['--bogus'], CLOCK)).toThrow(ReportUsageError);
    expect(() => parseReportArgs(['--windows', '1w'], CLOCK)).toThrow(/bad window "1w"/);
    expect(() => parseReportArgs(['--now', 'tomorrow'], CLOCK)).toThrow(/bad --now/);
    expect(() => parseReportArgs(['--now', '2026-11-26T99:00:00Z'], CLOCK)).toThrow(ReportUsageError);
  });
});
