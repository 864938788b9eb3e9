/**
 * A job's or sync task's progress in percent. The server reports `progress`
 * as a percentage (0..100) and is the authority; item counts are the fallback
 * when no progress was given.
 */
export function jobPercent(progress: number | undefined | null, processed?: number, total?: number): number | null {
  if (typeof progress === 'number' && Number.isFinite(progress)) return clamp(progress);
  if (typeof total === 'number' && total > 0 && typeof processed === 'number') return clamp((processed / total) * 100);
  return null;
}

/** Plugin events (files, models) report progress as 0..1 or 0..100; show percent. */
export function progressPercent(progress: number | undefined, processed?: number, total?: number): number | null {
  if (typeof total === 'number' && total > 0 && typeof processed === 'number') {
    return clamp((processed / total) * 100);
  }
  if (typeof progress !== 'number' || Number.isNaN(progress)) return null;
  return clamp(progress <= 1 ? progress * 100 : progress);
}

const clamp = (n: number) => Math.min(100, Math.max(0, n));

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: Math.abs(n) < 10 ? 2 : 1 }).format(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** "snake_case" / "camelCase" keys as human labels. */
export function humanize(key: string): string {
  const spaced = key.replace(/[_.-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A measure that may be tiny or huge (a loss, an error, R²): four significant digits, exponents at the extremes. */
export function formatMeasure(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n !== 0 && (Math.abs(n) < 1e-4 || Math.abs(n) >= 1e9)) return n.toExponential(2);
  return new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 }).format(n);
}
