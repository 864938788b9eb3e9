// Starts `$SWITCHYARD_BIN serve` on a free loopback port with a throwaway
// data directory and a plugin catalog signed for this run, and waits until
// /readyz answers. The server can be restarted on the same port and data
// directory (the reconnect scenario).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

/**
 * Packs the given plugin binaries into a catalog inside `dir`, signed with a
 * key made for this run, and returns the catalog directory and the public
 * key to trust. Nothing outside `dir` is read or written but the binaries,
 * so the suite works the same on a fresh clone and on a developer's machine.
 */
export async function signedCatalog(bin, pluginBins, dir) {
  const key = join(dir, 'publisher.key');
  const catalog = join(dir, 'catalog');
  mkdirSync(catalog, { recursive: true });
  const publicKey = (await run(bin, ['plugin', 'keygen', '--out', key], { timeout: 60_000 })).stdout.trim().split('\n').pop().trim();
  for (const p of pluginBins) await run(bin, ['plugin', 'pack', '--catalog', catalog, '--binary', p], { timeout: 120_000 });
  await run(bin, ['plugin', 'sign', '--catalog', catalog, '--key', key], { timeout: 60_000 });
  await run(bin, ['plugin', 'verify', '--catalog', catalog, '--trusted-key', publicKey], { timeout: 60_000 });
  return { catalog, publicKey };
}

export async function startServer({ bin, port: wanted, pluginBins = [], readyTimeoutMs = 60_000, beforeStart, extraOrigins = [], outboundAllow = '127.0.0.1', extraEnv = {} } = {}) {
  if (!bin) throw new Error('SWITCHYARD_BIN is not set: build the server first (make build)');
  const port = wanted ?? (await freePort());
  const root = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const baseUrl = `http://127.0.0.1:${port}`;
  const missing = pluginBins.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`plugin binaries missing (make plugins): ${missing.join(', ')}`);
  const { catalog, publicKey } = pluginBins.length ? await signedCatalog(bin, pluginBins, root) : { catalog: '', publicKey: '' };

  const env = {
    ...process.env,
    SWITCHYARD_ADDR: `127.0.0.1:${port}`,
    SWITCHYARD_DATA_DIR: dataDir,
    SWITCHYARD_ALLOWED_ORIGINS: [baseUrl, ...extraOrigins].join(','),
    SWITCHYARD_PUBLIC_URL: baseUrl,
    SWITCHYARD_CATALOG: catalog,
    SWITCHYARD_TRUSTED_KEYS: publicKey,
    // The sync scenario reads an HTTP source served by the suite on loopback.
    SWITCHYARD_OUTBOUND_ALLOW: outboundAllow,
    SWITCHYARD_LOG_FORMAT: 'text',
    SWITCHYARD_LOG_LEVEL: 'warn',
    SWITCHYARD_SHUTDOWN_TIMEOUT: '5s',
    ...extraEnv,
  };
  delete env.SWITCHYARD_DATABASE_URL;
  delete env.SWITCHYARD_NATS_URL;

  /** Runs a CLI subcommand against the same data dir (e.g. `admin create-user`). */
  const cli = async (args, input) => {
    const child = execFile(bin, args, { env, timeout: 60_000 });
    if (input !== undefined) child.stdin.end(input);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`switchyard ${args.join(' ')}: exit ${code}: ${err || out}`))));
    });
  };
  if (beforeStart) await beforeStart(cli);

  const logs = [];
  let child = null;
  let exited = null;

  async function launch() {
    exited = null;
    child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      logs.push(chunk.toString());
      if (logs.length > 4000) logs.splice(0, logs.length - 4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const me = child;
    me.on('exit', (code, signal) => {
      if (child === me) exited = { code, signal };
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (exited) throw new Error(`server exited during start (${JSON.stringify(exited)}):\n${logs.join('').slice(-4000)}`);
      try {
        const res = await fetch(`${baseUrl}/readyz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server not ready after ${readyTimeoutMs} ms:\n${logs.join('').slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function halt(signal = 'SIGTERM') {
    if (!child || exited) return;
    const c = child;
    const done = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(t);
  }

  await launch();

  return {
    baseUrl,
    port,
    dataDir,
    logs,
    cli,
    /** True when the server process died on its own (a crash). */
    crashed: () => exited !== null,
    exitInfo: () => exited,
    /** Stops the server (SIGTERM: sockets get 1001) and starts it again on the same port and data. */
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    halt,
    launch,
    async stop() {
      await halt('SIGTERM');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
