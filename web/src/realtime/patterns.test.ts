import { describe, expect, it } from 'vitest';
import { matchesPattern } from './patterns';

describe('matchesPattern', () => {
  it.each([
    ['*', 'sync.update', true],
    ['sync.update', 'sync.update', true],
    ['sync.*', 'sync.update', true],
    ['sync.*', 'sync', false],
    ['sync.*', 'syncx.update', false],
    ['ml.*', 'ml.model.update', true],
    ['ml.*.update', 'ml.model.update', true],
    ['ml.*.update', 'ml.model.progress', false],
    ['notification', 'notifications', false],
  ])('%s vs %s -> %s', (pattern, type, want) => {
    expect(matchesPattern(pattern, type)).toBe(want);
  });
});
