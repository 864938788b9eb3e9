// Reports the gzipped JavaScript a browser downloads for the first page, and
// fails when it is over budget. "First page" = the entry chunk with its static
// imports, plus the chunk of the route being opened (and its static imports);
// lazily imported chunks (charts, other pages) are excluded because they load
// only when used. Run after `npm run build`.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET_KIB = 300;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${dist}.vite/manifest.json`, 'utf8'));

const gz = (file) => gzipSync(readFileSync(dist + file), { level: 9 }).length;

/** Every chunk file `key` pulls in before running (static imports, transitively). */
function staticClosure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const dep of chunk.imports ?? []) staticClosure(dep, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const entryFiles = staticClosure(entryKey);
// The route preloader, a classic script index.html loads first (vite.config.ts).
for (const f of readdirSync(`${dist}assets`)) if (/^route-preload-.*\.js$/.test(f)) entryFiles.add(`assets/${f}`);
const sum = (files) => [...files].reduce((n, f) => n + gz(f), 0);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

const entryBytes = sum(entryFiles);
console.log(`entry (shell, router, api, realtime, route preloader): ${kib(entryBytes)} gzipped in ${entryFiles.size} file(s)`);

let worst = { route: '', bytes: entryBytes };
for (const [key, chunk] of Object.entries(manifest)) {
  if (!key.startsWith('src/pages/') || !chunk.isDynamicEntry) continue;
  const files = staticClosure(key, new Set(entryFiles));
  const bytes = sum(files);
  const route = key.replace('src/pages/', '').replace(/\.tsx$/, '');
  console.log(`  first page = ${route.padEnd(12)} ${kib(bytes)}`);
  if (bytes > worst.bytes) worst = { route, bytes };
}
const css = Object.values(manifest).flatMap((c) => c.css ?? []);
console.log(`css: ${kib([...new Set(css)].reduce((n, f) => n + gz(f), 0))} gzipped`);
console.log(`heaviest first page: ${worst.route} at ${kib(worst.bytes)} (budget ${BUDGET_KIB} KiB)`);
if (worst.bytes > BUDGET_KIB * 1024) {
  console.error('over budget');
  process.exit(1);
}
