/**
 * Event-type patterns, as used in `subscribe` frames: dotted segments where a
 * `*` segment matches exactly one segment, a trailing `*` matches one or more
 * (so `sync.*` covers `sync.update` and `ml.*` covers `ml.model.update`), and
 * a lone `*` matches every type.
 */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  const p = pattern.split('.');
  const t = type.split('.');
  for (let i = 0; i < p.length; i++) {
    const last = i === p.length - 1;
    if (p[i] === '*') {
      if (last) return t.length > i;
      if (i >= t.length) return false;
      continue;
    }
    if (p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => matchesPattern(p, type));
}

export const isWildcard = (pattern: string) => pattern.includes('*');
