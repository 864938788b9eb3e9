// What the files plugin accepts as the name of a file or folder
// (plugins/files/internal/names), checked before anything is sent so the
// reason shows next to the field. The plugin checks again and is the
// authority.

const RESERVED = new Set(['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])]);
const MAX_BYTES = 255;

/** Why `name` cannot name a file or folder, or null when it can. */
export function nameProblem(name: string): string | null {
  const n = name.normalize('NFC');
  if (n === '') return 'Enter a name';
  if (n === '.' || n === '..') return `"${n}" is not allowed as a name`;
  if (/[/\\]/.test(n)) return 'A name cannot contain / or \\: it names one file or folder, not a path';
  if (new TextEncoder().encode(n).length > MAX_BYTES) return `A name has at most ${MAX_BYTES} bytes`;
  if (n.startsWith(' ') || n.endsWith(' ')) return 'A name cannot start or end with a space';
  if (n.endsWith('.')) return 'A name cannot end with a dot';
  if (/[\p{Cc}\p{Cf}\uFFFD]/u.test(n)) return 'A name cannot contain control or invisible formatting characters';
  const stem = n.split('.')[0].replace(/ +$/, '').toUpperCase();
  if (RESERVED.has(stem)) return `"${n}" is a reserved device name`;
  return null;
}

/** The parent folder's path of a path ("/a/b" -> "/a"; "/a" -> "/"). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** A folder path's crumbs, root first: [{name: 'All files', path: '/'}, {name: 'a', path: '/a'}, ...]. */
export function crumbs(path: string): Array<{ name: string; path: string }> {
  const out = [{ name: 'All files', path: '/' }];
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) {
    cur += `/${part}`;
    out.push({ name: part, path: cur });
  }
  return out;
}
