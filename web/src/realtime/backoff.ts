export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry (n >= 1) waits a
 * random time in [d/2, d] where d = min(maxMs, baseMs * 2^(n-1)). Half the
 * delay is guaranteed, so a fleet of dashboards reconnecting after a core
 * restart never hammers it at once, and the random half spreads them out.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const n = Math.max(1, attempt);
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (n - 1));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
