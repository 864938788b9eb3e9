#!/usr/bin/env node
// End-to-end suite: the real server binary, the real sync plugin, Debian Chromium.
//
//   SWITCHYARD_BIN=../bin/switchyard npm run e2e          # `make test-e2e` does this
//   npm run e2e -- sync                                   # only scenario files whose name contains "sync"
//   npm run e2e -- onboarding files                       # ... or any of several words
//
// Builds nothing: `make test-e2e` builds the binary (with this app embedded)
// and the plugins first. The suite packs the plugins in
// $SWITCHYARD_PLUGIN_BINS (default: <bin dir>/plugins/*) into a catalog
// signed with a key made for this run, starts `$SWITCHYARD_BIN serve` on a
// free loopback port with a fresh data dir trusting that key, puts a TCP
// proxy in front of it (so a scenario can cut the browser's network), serves
// a paged JSON API for the sync plugin's HTTP source, creates a platform
// admin with the CLI, and runs every file in scenarios/ in name order. Each
// exports `default async (ctx)` and registers steps with ctx.step(); later
// files use what earlier ones left in ctx.state (users, org). Screenshots go
// to e2e/screenshots/; the Dashboard, Monitoring, Files, Analytics and ML
// ones are copied to docs/screenshots/ for the READMEs. Prints "N passed,
// N failed" and exits non-zero on any failure.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiClient } from './lib/api.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { Harness, SCREENSHOTS } from './lib/harness.mjs';
import { startProxy } from './lib/proxy.mjs';
import { freePort, startServer } from './lib/server.mjs';
import { startSource } from './lib/source.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../..');
const only = process.argv.slice(2).filter(Boolean); // optional substrings: run the scenario files whose name holds one

export const ADMIN = { email: 'ada.admin@example.com', password: 'correct-horse-admin-1', name: 'Ada Admin' };

function pluginBinaries(bin) {
  if (process.env.SWITCHYARD_PLUGIN_BINS) return process.env.SWITCHYARD_PLUGIN_BINS.split(',').filter(Boolean).map((p) => resolve(p));
  const dir = join(dirname(bin), 'plugins');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}

async function main() {
  const started = Date.now();
  const harness = new Harness();
  const binEnv = process.env.SWITCHYARD_BIN;
  if (!binEnv) {
    console.error('SWITCHYARD_BIN is not set. Build the server and plugins first: make build (or run make test-e2e)');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const bin = resolve(process.cwd(), binEnv);
  const plugins = pluginBinaries(bin);
  if (!plugins.some((p) => p.endsWith('/sync'))) {
    console.error(`no sync plugin binary next to ${bin} (expected ${join(dirname(bin), 'plugins', 'sync')}); run make plugins`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }

  let server;
  let proxy;
  let source;
  let browser;
  const runStart = Date.now();
  try {
    source = await startSource({ total: 600 });
    // The proxy must know the server's port and the server must allow the
    // proxy's origin, so the port is chosen first.
    const port = await freePort();
    proxy = await startProxy(port);
    server = await startServer({
      bin,
      port,
      pluginBins: plugins,
      extraOrigins: [proxy.baseUrl],
      // Every user of the suite signs in from 127.0.0.1; the default of 20
      // sign-ins per IP per minute is meant for real clients.
      extraEnv: { SWITCHYARD_LOGIN_PER_IP: '200' },
      beforeStart: (cli) =>
        cli(['admin', 'create-user', '--email', ADMIN.email, '--password', '-', '--name', ADMIN.name, '--platform-admin'], `${ADMIN.password}\n`),
    });
    console.log(`server ready at ${server.baseUrl} (proxy ${proxy.baseUrl}, HTTP source ${source.url}) in ${Date.now() - started} ms`);
    browser = await launchBrowser();
    const ctx = {
      server,
      proxy,
      source,
      browser,
      api: apiClient(server.baseUrl),
      harness,
      state: harness.state,
      step: (name, fn) => harness.run(name, async () => {
        if (server.crashed()) throw new Error(`the server process died earlier: ${JSON.stringify(server.exitInfo())}`);
        await fn(harness.state);
        if (server.crashed()) throw new Error(`the server process died during this step: ${JSON.stringify(server.exitInfo())}`);
      }),
      skip: (name, why) => harness.skip(name, why),
      admin: ADMIN,
      repo,
    };
    const files = readdirSync(`${here}scenarios`)
      .filter((f) => f.endsWith('.mjs') && (!only.length || only.some((o) => f.includes(o))))
      .sort();
    for (const file of files) {
      console.log(`\n${file}`);
      const mod = await import(pathToFileURL(`${here}scenarios/${file}`).href);
      await mod.default(ctx);
    }
  } catch (err) {
    console.error(`suite setup failed: ${err?.stack || err}`);
    harness.results.push({ name: 'setup', ok: false, err });
  } finally {
    await browser?.close().catch(() => {});
    if (harness.failed && server) {
      console.log('\n--- server log (tail) ---');
      console.log(server.logs.join('').split('\n').slice(-80).join('\n'));
    }
    await server?.stop().catch(() => {});
    await proxy?.close().catch(() => {});
    await source?.stop().catch(() => {});
  }

  // The READMEs show these; refresh them only from a run that took them.
  const docs = join(repo, 'docs', 'screenshots');
  for (const name of ['dashboard', 'monitoring', 'files', 'analytics', 'ml']) {
    const shot = join(SCREENSHOTS, `${name}.png`);
    if (existsSync(shot) && statSync(shot).mtimeMs >= runStart) {
      mkdirSync(docs, { recursive: true });
      copyFileSync(shot, join(docs, `${name}.png`));
    }
  }

  const { failed, line } = harness.summary();
  console.log(`\ne2e finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(line);
  process.exit(failed ? 1 : 0);
}

await main();
