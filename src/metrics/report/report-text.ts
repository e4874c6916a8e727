import type { MetricsReport } from './metrics-report.js';
import { windowTable } from './report-rows.js';

/** The report as plain text: a header on the files read, then one aligned table per window. */
export function formatReportText(report: MetricsReport): string {
  const out = [...reportHeader(report), ''];
  for (const w of report.windows) {
    const { columns, rows } = windowTable(w);
    out.push(`== last ${w.window}: ${w.start} .. ${w.end} ==`);
    const labels = ['', ...rows.map((r) => (r.sub ? `  ${r.label}` : r.label))];
    const cells = [columns, ...rows.map((r) => r.values)];
    const labelWidth = Math.max(...labels.map((l) => l.length));
    const widths = columns.map((_, c) => Math.max(...cells.map((line) => line[c].length)));
    cells.forEach((line, i) => out.push([labels[i].padEnd(labelWidth), ...line.map((v, c) => v.padStart(widths[c]))].join('  ').trimEnd()));
    out.push('');
  }
  return out.join('\n');
}

/** Where the numbers come from and what was skipped; shared by the text and HTML outputs. */
export function reportHeader(report: MetricsReport): string[] {
  const { lines } = report;
  const files = report.files.map((f) => {
    const notes = [`${f.lines} lines`];
    if (f.corrupt > 0) notes.push(`${f.corrupt} corrupt`);
    if (f.error) notes.push(`unreadable after that: ${f.error}`);
    return `${f.name} (${notes.join(', ')})`;
  });
  return [
    `Metrics report of ${report.dir} at ${report.now}`,
    `files: ${files.length > 0 ? files.join(', ') : 'none'}`,
    `lines: ${lines.read} read, ${lines.valid} valid, ${lines.corrupt} corrupt (skipped), ${lines.outside} outside the widest window`,
    'percentiles: nearest rank, over successful requests; counts and codes over all requests',
  ];
}
