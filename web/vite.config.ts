/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { preloaderSource } from './src/routePreload.ts';

// The Go core serves this build from `web/dist` (embedded in the binary) at `/`,
// with unknown non-API paths falling back to index.html. In development the
// Vite server proxies the whole API, WebSocket upgrades included, to a core
// started with `switchyard serve` on :8080.
const apiTarget = process.env.SWITCHYARD_API ?? 'http://localhost:8080';

/**
 * Every page is its own chunk, loaded when its route renders, which is only
 * after the entry has downloaded and run: one more round trip before the
 * first page can paint. This plugin writes a tiny classic script, referenced
 * first in index.html, that maps the URL being opened to its page's chunk
 * files and adds modulepreload links for them, so they download in parallel
 * with the entry. (A classic external file, because the server's CSP allows
 * no inline script.)
 */
function routePreload(): Plugin {
  return {
    name: 'switchyard:route-preload',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const entry = chunks.find((c) => c.isEntry);
      if (!entry) return;
      const closure = (file: string, seen = new Set<string>()) => {
        if (seen.has(file)) return seen;
        seen.add(file);
        for (const dep of byFile.get(file)?.imports ?? []) closure(dep, seen);
        return seen;
      };
      const loaded = closure(entry.fileName);
      const files: Record<string, string[]> = {};
      for (const c of chunks) {
        const m = /\/src\/pages\/(\w+)\.tsx$/.exec(c.facadeModuleId ?? '');
        if (!m || !c.isDynamicEntry) continue;
        files[m[1]] = [...closure(c.fileName)].filter((f) => !loaded.has(f)).map((f) => `/${f}`);
      }
      const source = preloaderSource(files, 'switchyard.refresh_token', 'switchyard.last_org');
      const fileName = `assets/route-preload-${createHash('sha256').update(source).digest('hex').slice(0, 8)}.js`;
      this.emitFile({ type: 'asset', fileName, source });
      const html = bundle['index.html'];
      if (!html || html.type !== 'asset') throw new Error('route-preload: index.html is not in the bundle yet');
      const text = String(html.source);
      const at = text.indexOf('<script type="module"');
      if (at < 0) throw new Error('route-preload: no module script in index.html');
      html.source = `${text.slice(0, at)}<script src="/${fileName}"></script>\n    ${text.slice(at)}`;
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), routePreload()],
  build: {
    outDir: 'dist',
    // dist/.gitkeep is versioned so `go build` works without Node; it is
    // recreated by scripts/postbuild.mjs after Vite empties the folder.
    emptyOutDir: true,
    sourcemap: false,
    // The first page must stay small; heavy pieces (charts, admin, plugin
    // forms) are split by route with React.lazy.
    chunkSizeWarningLimit: 450,
    // dist/.vite/manifest.json lets scripts/size.mjs weigh each route's JS.
    manifest: true,
    rolldownOptions: {
      output: {
        // Few files: on a busy machine each request costs the browser's main
        // thread more than its bytes do. Everything the shell needs goes in
        // one chunk; what several pages share, in one more; each page and
        // the chart library stay on their own.
        codeSplitting: {
          groups: [
            { name: 'app', tags: ['$initial'] },
            // The chart library and the charts drawn with it, loaded only
            // when a chart shows (several pages use it, and in the shared
            // chunk it would weigh on every page's first load). Only these
            // modules: what they import from the app stays where it is.
            {
              name: 'charts',
              test: /[\\/]node_modules[\\/]uplot[\\/]|[\\/]src[\\/]components[\\/](charts[\\/]SeriesChart|dashboard[\\/]MetricsChart)\.tsx$/,
              includeDependenciesRecursively: false,
            },
            { name: 'shared', minShareCount: 2 },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false, ws: true },
      '/readyz': apiTarget,
      '/healthz': apiTarget,
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
  },
});
