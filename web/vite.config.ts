/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// The Go core serves this build from `web/dist` (embedded in the binary) at `/`,
// with unknown non-API paths falling back to index.html. In development the
// Vite server proxies the whole API, WebSocket upgrades included, to a core
// started with `switchyard serve` on :8080.
const apiTarget = process.env.SWITCHYARD_API ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    // dist/.gitkeep is versioned so `go build` works without Node; it is
    // recreated by scripts/postbuild.mjs after Vite empties the folder.
    emptyOutDir: true,
    sourcemap: false,
    // The first page must stay small; heavy pieces (charts, admin, plugin
    // forms) are split by route with React.lazy.
    chunkSizeWarningLimit: 400,
    // dist/.vite/manifest.json lets scripts/size.mjs weigh each route's JS.
    manifest: true,
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
