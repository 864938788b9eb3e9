#!/usr/bin/env node
// End-to-end suite: real server binary + Debian Chromium.
//
//   SWITCHYARD_BIN=../bin/switchyard npm run e2e
//
// Builds nothing: the Makefile builds the binary (with this app embedded)
// first. Starts `$SWITCHYARD_BIN serve` on a free loopback port with a fresh
// data dir, then runs every file in scenarios/ in name order. Each scenario
// file exports `default async (ctx)` and registers steps with ctx.step();
// later files may use what earlier ones left in ctx.state (users, org), so
// plugin and sync scenarios can be added as 40-*.mjs, 50-*.mjs...
// Screenshots go to e2e/screenshots/. Prints "N passed, N failed".
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiClient } from './lib/api.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { Harness } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2]; // optional substring filter on scenario file names

export const ADMIN = { email: 'ada.admin@example.com', password: 'correct-horse-admin-1', name: 'Ada Admin' };

async function main() {
  const harness = new Harness();
  const binEnv = process.env.SWITCHYARD_BIN;
  if (!binEnv) {
    console.error('SWITCHYARD_BIN is not set. Build the server: go build -o bin/switchyard ./core/cmd/switchyard');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const bin = resolve(process.cwd(), binEnv);

  let server;
  let browser;
  try {
    server = await startServer({
      bin,
      // A platform admin for the admin scenarios, made with the operator CLI.
      beforeStart: (cli) =>
        cli('admin', 'create-user', '--email', ADMIN.email, '--password', ADMIN.password, '--name', ADMIN.name, '--platform-admin').catch((err) => {
          console.warn(`  (could not create the platform admin: ${err.message.split('\n')[0]})`);
        }),
    });
    console.log(`server ready at ${server.baseUrl}`);
    browser = await launchBrowser();
    const ctx = {
      server,
      browser,
      api: apiClient(server.baseUrl),
      harness,
      state: harness.state,
      step: (name, fn) => harness.run(name, () => fn(harness.state)),
      skip: (name, why) => harness.skip(name, why),
      admin: ADMIN,
    };
    const files = readdirSync(`${here}scenarios`)
      .filter((f) => f.endsWith('.mjs') && (!only || f.includes(only)))
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
    const failed = harness.results.some((r) => r.ok === false);
    if (failed && server) {
      console.log('\n--- server log (tail) ---');
      console.log(server.logs.join('').split('\n').slice(-60).join('\n'));
    }
    await server?.stop().catch(() => {});
  }
  const { failed, line } = harness.summary();
  console.log(`\n${line}`);
  process.exit(failed ? 1 : 0);
}

await main();
