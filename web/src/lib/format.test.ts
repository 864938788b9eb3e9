import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMeasure, humanize, jobPercent, progressPercent } from './format';

describe('format', () => {
  it('normalizes progress given as a fraction or a percent, preferring item counts', () => {
    expect(progressPercent(0.25)).toBe(25);
    expect(progressPercent(40)).toBe(40);
    expect(progressPercent(0.1, 50, 100)).toBe(50);
    expect(progressPercent(undefined)).toBeNull();
    expect(progressPercent(250)).toBe(100);
  });
  it("takes a job's progress as the server's percentage, counts as the fallback", () => {
    expect(jobPercent(1, 1, 100)).toBe(1);
    expect(jobPercent(100, 0, 0)).toBe(100);
    expect(jobPercent(undefined, 25, 50)).toBe(50);
    expect(jobPercent(null, 5, 0)).toBeNull();
    expect(jobPercent(140)).toBe(100);
  });
  it('formats bytes, durations and keys', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatDuration(3725)).toBe('1h 2m');
    expect(humanize('goroutines_count')).toBe('Goroutines count');
    expect(humanize('uptimeSeconds')).toBe('Uptime Seconds');
  });
});

describe('formatMeasure', () => {
  it('keeps four significant digits, exponents at the extremes', () => {
    expect(formatMeasure(0.000498)).toBe('0.000498');
    expect(formatMeasure(130.85197)).toBe('130.9');
    expect(formatMeasure(0.99987)).toBe('0.9999');
    expect(formatMeasure(0.0000123)).toBe('1.23e-5');
    expect(formatMeasure(0)).toBe('0');
    expect(formatMeasure(NaN)).toBe('—');
  });
});
