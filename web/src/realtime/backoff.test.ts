import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const opts = { baseMs: 1000, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('stays within [d/2, d] for every attempt', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const d = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const delay = backoffDelay(attempt, opts, () => r);
        expect(delay).toBeGreaterThanOrEqual(d / 2);
        expect(delay).toBeLessThanOrEqual(d);
      }
    }
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelay(1000, opts, () => 0.999999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(1000, opts, () => 0)).toBe(15_000);
  });

  it('treats attempt 0 or less as the first retry', () => {
    expect(backoffDelay(0, opts, () => 1)).toBe(1000);
  });

  it('spreads retries with the random source', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(5, opts)));
    expect(seen.size).toBeGreaterThan(10);
  });
});
