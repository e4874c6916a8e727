/** A report window: the last `ms` milliseconds before the report's `now`, named as the user wrote it. */
export interface ReportWindow {
  label: string;
  ms: number;
}

export const DEFAULT_WINDOW_LABELS = ['30m', '1h', '3h', '6h', '12h', '24h', '3d'] as const;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30m`, `1h`, `7d`, `90s`, `1.5h`; throws on anything else (the CLI turns that into a usage error). */
export function parseWindow(text: string): ReportWindow {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : NaN;
  if (!m || !(ms > 0)) throw new Error(`bad window ${JSON.stringify(text)}: use a positive number with s, m, h or d (30m, 1h, 7d)`);
  return { label: `${m[1]}${m[2]}`, ms };
}

/** The span of a window ending at `nowMs`: it holds lines with `startMs < ts <= endMs`. */
export function windowSpan(window: ReportWindow, nowMs: number): { startMs: number; endMs: number } {
  return { startMs: nowMs - window.ms, endMs: nowMs };
}
