import { esc, linePath, REPORT_STYLE, yTicks } from '../../src/metrics/report/html/svg-chart.js';
import { limitAtMaxBatch, type BenchResult } from './bench-result.js';

/** A series over categories (concurrency levels, batch sizes); null leaves a gap. */
interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9'];
const W = 760;
const H = 280;
const PAD = { left: 64, right: 16, top: 48, bottom: 40 };

/** An inline SVG line chart over categorical x values (the metrics report's chart has a time axis). */
function categoryChart(title: string, unit: string, xLabel: string, labels: string[], series: Series[]): string {
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const ticks = yTicks(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const top = ticks[ticks.length - 1];
  const x = (i: number) => PAD.left + ((i + 0.5) * pw) / labels.length;
  const y = (v: number) => PAD.top + ph - (v / top) * ph;
  const r = (v: number) => Math.round(v * 10) / 10;
  const out = [`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`];
  out.push(`<text x="${PAD.left}" y="16" class="title">${esc(title)} (${esc(unit)})</text>`);
  for (const t of ticks) out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${r(y(t))}" y2="${r(y(t))}" class="grid"/><text x="${PAD.left - 6}" y="${r(y(t) + 4)}" class="ylabel">${t}</text>`);
  labels.forEach((l, i) => out.push(`<text x="${r(x(i))}" y="${H - 22}" class="xlabel">${esc(l)}</text>`));
  out.push(`<text x="${PAD.left + pw / 2}" y="${H - 6}" class="xlabel">${esc(xLabel)}</text>`);
  let legendX = PAD.left;
  for (const s of series) {
    const d = linePath(s.values, x, y);
    if (d) out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    s.values.forEach((v, i) => {
      if (v !== null && !s.dashed) out.push(`<circle cx="${r(x(i))}" cy="${r(y(v))}" r="3" fill="${s.color}"><title>${esc(`${s.name} at ${labels[i]}: ${v} ${unit}`)}</title></circle>`);
    });
    out.push(`<rect x="${legendX}" y="26" width="10" height="10" fill="${s.color}"/><text x="${legendX + 14}" y="35" class="legend">${esc(s.name)}</text>`);
    legendX += 30 + s.name.length * 6.5;
  }
  out.push('</svg>');
  return out.join('\n');
}

const STYLE = `${REPORT_STYLE}table { font-size: 12px; }
.met { color: #0a7d32; } .missed { color: #b3261e; }
`;

function table(head: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null, i: number) => `<td${i === 0 ? ' class="label"' : ''}>${esc(String(v ?? '–'))}</td>`;
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>`;
}

/** The whole run as one self-contained page: inline CSS and SVG, nothing fetched. */
export function renderBenchHtml(r: BenchResult): string {
  const wav = r.levels.filter((l) => l.format === 'wav');
  const labels = wav.map((l) => String(l.concurrency));
  const flat = (v: number | null) => labels.map(() => v);
  const limitMax = limitAtMaxBatch(r.model_limit, r.settings.max_batch);
  const throughput = categoryChart('Throughput against concurrency', 'RTFx, audio s per wall s', 'concurrent requests (WAV 2–20 s)', labels, [
    { name: 'service (WAV)', color: PALETTE[0], values: wav.map((l) => l.rtfx) },
    { name: `model limit, batch ${r.settings.max_batch}`, color: PALETTE[2], values: flat(limitMax), dashed: true },
    { name: `sherpa-onnx, batch ${r.peer.batch}`, color: PALETTE[3], values: flat(r.peer.rtfx), dashed: true },
    ...(r.mp3 ? [{ name: 'service (mp3)', color: PALETTE[1], values: wav.map((l) => (l.concurrency === r.mp3!.concurrency ? r.mp3!.rtfx : null)) }] : []),
  ]);
  const latency = categoryChart('Latency against concurrency', 'ms', 'concurrent requests (WAV 2–20 s)', labels, [
    { name: 'p50', color: PALETTE[0], values: wav.map((l) => l.latency_ms.p50) },
    { name: 'p95', color: PALETTE[1], values: wav.map((l) => l.latency_ms.p95) },
    { name: 'p99', color: PALETTE[3], values: wav.map((l) => l.latency_ms.p99) },
  ]);
  const batches = r.model_limit.rows.map((x) => String(x.batch));
  const limitChart = categoryChart("The model's own limit against batch size", 'RTFx', 'batch size (in-process, clips sorted by length)', batches, [
    { name: 'featurize + encoder + decode', color: PALETTE[2], values: r.model_limit.rows.map((x) => x.rtfx) },
    { name: `sherpa-onnx, batch ${r.peer.batch}`, color: PALETTE[3], values: batches.map((b) => (Number(b) === r.peer.batch ? r.peer.rtfx : null)) },
  ]);
  const targets = Object.entries(r.targets).map(([k, t]) => `<tr><td class="label">${esc(k)}</td><td>${esc(String(t.value ?? '–'))}</td><td>${esc(t.target)}</td><td class="${t.met ? 'met' : t.met === false ? 'missed' : ''}">${t.met === null ? 'not measured' : t.met ? 'met' : 'missed'}</td></tr>`);
  const levelRows = [...r.levels, ...(r.mp3 ? [r.mp3] : [])].map((l) => {
    const b = l.breakdown;
    return [`${l.format} c=${l.concurrency}`, l.requests, Object.values(l.refused).reduce((s, n) => s + n, 0), l.rtfx, l.audio_per_cpu_s, l.latency_ms.p50, l.latency_ms.p95, l.latency_ms.p99, l.mean_batch_size, l.lane_busy_pct, l.cpu_pct, l.others_cpu_pct, l.rss_mb_peak, b?.queue_ms ?? null, b?.preprocess_ms ?? null, b?.inference_ms ?? null, b?.other_ms ?? null];
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>parakeet-nest benchmark ${esc(r.date)}</title><style>${STYLE}</style></head>
<body>
<h1>parakeet-nest benchmark</h1>
<p class="meta">${esc(r.date)}${r.quick ? ' (--quick)' : ''} · ${r.machine.cpus} × ${esc(r.machine.cpu_model)} · Node ${esc(r.machine.node)} · load average at start ${r.machine.loadavg_start.join(' / ')}, at end ${r.machine.loadavg_end.join(' / ')}</p>
<p class="meta">model ${esc(r.settings.model_dir)} · ${r.settings.lanes} lane(s) × ${r.settings.threads} intra-op thread(s) · batch ≤ ${r.settings.max_batch} · ${r.clips.count} clips, ${r.clips.min_s}–${r.clips.max_s} s (Σ ${r.clips.total_s} s)</p>
<h2>Headline</h2>
<table><tr><th>number</th><th>value</th><th>target</th><th></th></tr>${targets.join('')}</table>
<p class="meta">On a CPU-time basis (audio seconds per CPU second, less sensitive to other jobs on a shared machine): overhead ${r.cpu_basis.overhead_ratio ?? '–'}, batching ${r.cpu_basis.batching_gain ?? '–'}, peer ${r.cpu_basis.peer_ratio ?? '–'}.</p>
${throughput}
${latency}
${limitChart}
<h2>REST levels</h2>
${table(['level', 'requests', 'refused', 'RTFx', 'audio s / CPU s', 'p50 ms', 'p95 ms', 'p99 ms', 'mean batch', 'lane busy %', 'server CPU %', 'other processes CPU %', 'RSS MiB', 'queue ms', 'preprocess ms', 'inference ms', 'other ms'], levelRows)}
<h2>Realtime (server VAD, 1× speed)</h2>
${table(['sessions', 'turns', 'completed', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'partial deltas', 'mean batch', 'WER %', 'server CPU %', 'other processes CPU %', 'RSS MiB'], r.realtime.map((x) => [x.sessions, x.turns, x.completed, x.stop_to_completed_ms.p50, x.stop_to_completed_ms.p95, x.stop_to_completed_ms.p99, x.stop_to_completed_ms.max, x.partial_deltas, x.mean_batch_size, x.wer, x.cpu_pct, x.others_cpu_pct, x.rss_mb_peak]))}
<h2>Model limit (${r.model_limit.lanes} runner lane(s) side by side × ${r.model_limit.threads} thread(s))</h2>
${table(['batch', 'RTFx', 'audio s / CPU s', 'featurize ms', 'encoder ms', 'decode ms', 'total ms per pass'], r.model_limit.rows.map((x) => [x.batch, x.rtfx, x.audio_per_cpu_s, x.featurize_ms, x.encoder_ms, x.decoder_ms, x.total_ms]))}
<p class="meta">Batch ${r.settings.max_batch} sampled again between the service levels and after them: RTFx ${r.model_limit.max_batch_rtfx_samples.join(', ') || '–'} (the machine is shared; the best sample is the limit the ratios use). Batch ${r.settings.max_batch} in arrival order (unsorted, as a server sees requests): RTFx ${r.model_limit.unsorted_max_batch_rtfx ?? '–'}. Featurizer: ${r.featurizer.x_realtime}× real time on one core.</p>
<h2>Peer: ${esc(r.peer.engine)}</h2>
<p class="meta">${r.peer.loaded ? esc(r.peer.mode) : `not measured: ${esc(r.peer.error ?? '')}`}</p>
${table(['engine', 'RTFx', 'batch-1 RTFx', 'WER %'], [[`sherpa-onnx (batch ${r.peer.batch}; ${r.peer.audio_per_cpu_s ?? '–'} audio s / CPU s)`, r.peer.rtfx, r.peer.batch1_rtfx, r.peer.wer?.wer ?? null], ['parakeet-nest core (in-process)', limitMax, r.model_limit.rows[0]?.rtfx ?? null, `${r.wer.model} (batch 1: ${r.wer.model_batch1 ?? '–'})`], ['parakeet-nest service (HTTP)', r.levels.find((l) => l.concurrency === 16)?.rtfx ?? null, r.levels.find((l) => l.concurrency === 1)?.rtfx ?? null, r.wer.service]])}
</body></html>
`;
}
