import { describe, expect, it } from 'vitest';
import { crumbs, nameProblem, parentPath } from './fileNames';

describe('nameProblem', () => {
  it('accepts ordinary names, unicode included', () => {
    for (const n of ['report.pdf', 'Q1 2026', '.env', 'naïve résumé.txt', '数据.csv', 'CONFIG.txt', 'a'.repeat(255)]) expect(nameProblem(n)).toBeNull();
  });

  it('refuses what the plugin refuses, with a reason', () => {
    expect(nameProblem('')).toBe('Enter a name');
    expect(nameProblem('..')).toContain('not allowed');
    expect(nameProblem('../../etc/passwd')).toContain('cannot contain / or \\');
    expect(nameProblem('a\\b')).toContain('cannot contain');
    expect(nameProblem(' lead')).toContain('space');
    expect(nameProblem('trail ')).toContain('space');
    expect(nameProblem('dot.')).toContain('dot');
    expect(nameProblem('tab\there')).toContain('control');
    expect(nameProblem('zero\u200bwidth')).toContain('control');
    expect(nameProblem('CON')).toContain('reserved');
    expect(nameProblem('lpt1.txt')).toContain('reserved');
    expect(nameProblem('é'.repeat(128))).toContain('255 bytes');
  });
});

describe('paths', () => {
  it('parentPath and crumbs', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(crumbs('/')).toEqual([{ name: 'All files', path: '/' }]);
    expect(crumbs('/reports/2026')).toEqual([
      { name: 'All files', path: '/' },
      { name: 'reports', path: '/reports' },
      { name: '2026', path: '/reports/2026' },
    ]);
  });
});
