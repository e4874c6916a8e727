/** One named series of a chart: a value per bucket, null where the bucket has none (a gap in a line). */
export interface ChartSeries {
  name: string;
  color: string;
  values: (number | null)[];
}

export interface ChartInput {
  title: string;
  /** Unit of the y axis, shown after the title. */
  unit: string;
  /** End time (ms) of each bucket, the x axis. */
  times: number[];
  series: ChartSeries[];
  /** `line`: one polyline per series; `bars`: the series stacked in one bar per bucket. */
  kind: 'line' | 'bars';
  /** Counts: y ticks step by whole numbers. */
  integer?: boolean;
}

const WIDTH = 760;
const HEIGHT = 256;
const PAD = { left: 64, right: 16, top: 44, bottom: 34 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

/** An inline SVG chart drawn from scratch (no library, nothing fetched), with tooltips as `<title>`. */
export function svgChart(input: ChartInput): string {
  const n = input.times.length;
  const top = input.kind === 'bars' ? stackedMax(input.series, n) : Math.max(0, ...input.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const ticks = yTicks(top, input.integer);
  const yMax = ticks[ticks.length - 1];
  const slot = PLOT_W / Math.max(1, n);
  const x = (i: number) => PAD.left + (i + 0.5) * slot;
  const y = (v: number) => PAD.top + PLOT_H - (v / yMax) * PLOT_H;
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(input.title)}">`,
    `<text x="${PAD.left}" y="16" class="title">${esc(input.title)} (${esc(input.unit)})</text>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${r(y(t))}" y2="${r(y(t))}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${r(y(t) + 4)}" class="ylabel">${formatTick(t)}</text>`);
  }
  for (const i of xLabelIndices(n)) {
    // The last label sits at the right edge: anchor it there so it is not cut off.
    const anchor = x(i) > WIDTH - PAD.right - 40 ? ' style="text-anchor: end"' : ''; // a style: the stylesheet's anchor beats an attribute
    parts.push(`<text x="${r(anchor ? WIDTH - PAD.right : x(i))}" y="${HEIGHT - 12}" class="xlabel"${anchor}>${esc(timeLabel(input.times[i], input.times))}</text>`);
  }
  const empty = input.series.every((s) => s.values.every((v) => v === null || v === 0));
  if (empty) parts.push(`<text x="${PAD.left + PLOT_W / 2}" y="${PAD.top + PLOT_H / 2}" class="xlabel">none in this range</text>`);
  if (input.kind === 'bars') parts.push(...bars(input, slot, x, y));
  else parts.push(...lines(input, x, y));
  parts.push(...legend(input.series));
  parts.push('</svg>');
  return parts.join('\n');
}

/** The SVG path of a series; a null breaks the line, so a missing point is never drawn as a zero. */
export function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) return void (pen = false);
    d += `${pen ? 'L' : 'M'}${r(x(i))},${r(y(v))}`;
    pen = true;
  });
  return d;
}

/** Page styles shared by the self-contained HTML reports (metrics report, benchmark). */
export const REPORT_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.meta { color: #555; margin: 2px 0; }
.chart { display: block; margin: 8px 0 16px; }
.chart .title { font-size: 13px; font-weight: 600; fill: #222; }
.chart .grid { stroke: #e3e3e3; }
.chart .ylabel { font-size: 11px; fill: #666; text-anchor: end; }
.chart .xlabel { font-size: 11px; fill: #666; text-anchor: middle; }
.chart .legend { font-size: 11px; fill: #333; }
table { border-collapse: collapse; margin: 8px 0 20px; }
th, td { padding: 2px 10px; border-bottom: 1px solid #eee; }
td { text-align: right; font-variant-numeric: tabular-nums; } td.label { text-align: left; }
`;

function lines(input: ChartInput, x: (i: number) => number, y: (v: number) => number): string[] {
  const out: string[] = [];
  for (const s of input.series) {
    const d = linePath(s.values, x, y);
    if (d) out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    s.values.forEach((v, i) => {
      if (v !== null) out.push(`<circle cx="${r(x(i))}" cy="${r(y(v))}" r="2" fill="${s.color}"><title>${esc(`${s.name} ${isoMinute(input.times[i])}: ${formatTick(v)} ${input.unit}`)}</title></circle>`);
    });
  }
  return out;
}

function bars(input: ChartInput, slot: number, x: (i: number) => number, y: (v: number) => number): string[] {
  const out: string[] = [];
  const w = Math.max(1, slot * 0.8);
  for (let i = 0; i < input.times.length; i++) {
    let base = 0;
    for (const s of input.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      out.push(`<rect x="${r(x(i) - w / 2)}" y="${r(y(base + v))}" width="${r(w)}" height="${r(y(base) - y(base + v))}" fill="${s.color}"><title>${esc(`${s.name} ${isoMinute(input.times[i])}: ${formatTick(v)} ${input.unit}`)}</title></rect>`);
      base += v;
    }
  }
  return out;
}

/** A row of swatches under the title (titles are long; beside them the legend would overlap). */
function legend(series: ChartSeries[]): string[] {
  let at = PAD.left;
  const out: string[] = [];
  for (const s of series) {
    out.push(`<rect x="${at}" y="23" width="10" height="10" fill="${s.color}"/><text x="${at + 14}" y="32" class="legend">${esc(s.name)}</text>`);
    at += 30 + s.name.length * 7;
  }
  return out;
}

function stackedMax(series: ChartSeries[], n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  return max;
}

/** 0 and round steps (1, 2 or 5 × 10^k, at least 1 for counts) up to at least `max`, about five of them. */
export function yTicks(max: number, integer = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = integer ? Math.max(1, max / 5) : max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function xLabelIndices(n: number): number[] {
  const every = Math.max(1, Math.ceil(n / 6));
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= every) out.unshift(i);
  return out;
}

/** HH:MM (UTC) when the axis spans under a day, MM-DD HH:MM otherwise. */
function timeLabel(ms: number, all: number[]): string {
  const iso = new Date(ms).toISOString();
  return all[all.length - 1] - all[0] < 86_400_000 ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 10 ? v.toFixed(1) : String(Number(v.toPrecision(3)));
}

const r = (v: number) => Math.round(v * 10) / 10;

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
