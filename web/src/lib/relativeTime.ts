const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Short relative times for feeds: "just now", "5 min ago", "3 h ago",
 * "yesterday", "4 days ago", then a date. Future times (clock skew between
 * server and browser) read as "just now" rather than "in 2 s".
 */
export function relativeTime(when: string | number | Date, now: number = Date.now()): string {
  const t = when instanceof Date ? when.getTime() : typeof when === 'number' ? when : Date.parse(when);
  if (Number.isNaN(t)) return '';
  const diff = now - t;
  if (diff < 45_000) return 'just now';
  if (diff < HOUR) return `${Math.max(1, Math.round(diff / MINUTE))} min ago`;
  if (diff < DAY) return `${Math.round(diff / HOUR)} h ago`;
  if (diff < 2 * DAY) return 'yesterday';
  if (diff < 7 * DAY) return `${Math.floor(diff / DAY)} days ago`;
  const d = new Date(t);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** Full timestamp for a title/tooltip next to a relative time. */
export function absoluteTime(when: string | number | Date): string {
  const d = new Date(when);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** "in 12 s" style countdown for the reconnect badge. */
export function secondsUntil(at: number, now: number = Date.now()): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}
