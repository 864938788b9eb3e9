// Starts `$SWITCHYARD_BIN serve` on a free loopback port with a throwaway
// data directory, and waits until /readyz answers.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer({ bin, readyTimeoutMs = 30_000, beforeStart } = {}) {
  if (!bin) throw new Error('SWITCHYARD_BIN is not set: build the server first (go build -o bin/switchyard ./core/cmd/switchyard)');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    SWITCHYARD_ADDR: `127.0.0.1:${port}`,
    SWITCHYARD_DATA_DIR: dataDir,
    SWITCHYARD_ALLOWED_ORIGINS: baseUrl,
    SWITCHYARD_PUBLIC_URL: baseUrl,
    SWITCHYARD_LOG_FORMAT: 'text',
  };

  /** Runs a CLI subcommand against the same data dir (e.g. `admin create-user`). */
  const cli = async (...args) => (await run(bin, args, { env, timeout: 60_000 })).stdout;
  if (beforeStart) await beforeStart(cli);

  const logs = [];
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (logs.length > 2000) logs.splice(0, logs.length - 2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`server exited during start (${JSON.stringify(exited)}):\n${logs.join('')}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${readyTimeoutMs} ms:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((r) => (exited ? r() : child.once('exit', r)));
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  return { baseUrl, port, dataDir, logs, stop, cli };
}
