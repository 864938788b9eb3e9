// Datasets made for a scenario, through the real sync plugin: a CSV file
// written where the plugin's file sources read (the org's directory under
// the server's files dir), a source naming it added to the plugin's config,
// and a sync job run to the end. Set up over the API: the sync scenario
// already drives all of this through the UI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './harness.mjs';

/** Installs a plugin over the API unless it is installed, and waits until it runs. */
export async function ensurePlugin(api, slug, token, name, config) {
  const installed = await api.must(200, 'GET', `/orgs/${slug}/plugins`, { token });
  if (!installed.items.some((p) => p.name === name)) {
    await api.must(201, 'POST', `/orgs/${slug}/plugins`, { token, body: { name, version: '1.0.0' } });
  }
  if (config) await api.must(200, 'PUT', `/orgs/${slug}/plugins/${name}/config`, { token, body: { config } });
  await eventually(
    async () => (await api.must(200, 'GET', `/orgs/${slug}/plugins`, { token })).items.find((p) => p.name === name)?.status === 'running',
    { timeout: 30_000, interval: 200, message: `plugin ${name} running` },
  );
}

/** Writes `rows` (objects with the same keys) as `<name>.csv` where the org's file sources read. */
export function writeCsv(server, orgId, name, rows) {
  const dir = join(server.dataDir, 'files', orgId);
  mkdirSync(dir, { recursive: true });
  const cols = Object.keys(rows[0]);
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => r[c]).join(','))];
  writeFileSync(join(dir, `${name}.csv`), `${lines.join('\n')}\n`);
}

/** Adds (or replaces) a file source `name` reading `<name>.csv` into dataset `name`, keyed by id. */
export async function addFileSource(api, slug, token, name) {
  const { config } = await api.must(200, 'GET', `/orgs/${slug}/plugins/sync/config`, { token });
  const sources = (config?.sources ?? []).filter((s) => s.name !== name);
  sources.push({ name, type: 'file', key: 'id', file: { path: `${name}.csv` } });
  await api.must(200, 'PUT', `/orgs/${slug}/plugins/sync/config`, { token, body: { config: { ...config, sources } } });
}

/** Runs the sync of a source to the end; resolves to the finished job. */
export async function syncNow(api, slug, token, source) {
  const job = await api.must(202, 'POST', `/orgs/${slug}/plugins/sync/jobs`, { token, body: { kind: 'sync', input: { source } } });
  return eventually(
    async () => {
      const j = await api.must(200, 'GET', `/orgs/${slug}/jobs/${job.id}`, { token });
      if (j.status === 'failed' || j.status === 'cancelled') throw new Error(`sync of ${source} ${j.status}: ${j.error}`);
      return j.status === 'succeeded' && j;
    },
    { timeout: 60_000, interval: 100, message: `sync of ${source} succeeded` },
  );
}

/** Writes the CSV, configures its source and syncs it: the dataset `name` holds `rows`. */
export async function syncRows(ctx, token, name, rows) {
  const { api, server, state } = ctx;
  await ensurePlugin(api, state.org.slug, token, 'sync');
  writeCsv(server, state.org.id, name, rows);
  await addFileSource(api, state.org.slug, token, name);
  return syncNow(api, state.org.slug, token, name);
}
