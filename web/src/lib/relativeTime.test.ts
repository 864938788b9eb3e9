import { describe, expect, it } from 'vitest';
import { relativeTime, secondsUntil } from './relativeTime';

const now = Date.parse('2026-06-15T12:00:00Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [44_000, 'just now'],
    [-5_000, 'just now'], // server clock ahead of ours
    [60_000, '1 min ago'],
    [5 * 60_000, '5 min ago'],
    [59 * 60_000, '59 min ago'],
    [3 * 3_600_000, '3 h ago'],
    [30 * 3_600_000, 'yesterday'],
    [4 * 86_400_000, '4 days ago'],
  ])('%i ms ago -> %s', (ms, want) => {
    expect(relativeTime(ago(ms), now)).toBe(want);
  });

  it('falls back to a date after a week', () => {
    expect(relativeTime(ago(30 * 86_400_000), now)).toMatch(/May|16/);
  });

  it('returns empty text for garbage', () => {
    expect(relativeTime('not a date', now)).toBe('');
  });
});

describe('secondsUntil', () => {
  it('rounds up and never goes negative', () => {
    expect(secondsUntil(now + 1_200, now)).toBe(2);
    expect(secondsUntil(now - 1_000, now)).toBe(0);
  });
});
