import { api, orgPath } from './instance';
import type { InstalledPlugin, Job, JobDetail, JobStatus, MarketplacePlugin, Page, PluginConfig } from './types';

const pluginPath = (slug: string, name: string, rest = '') =>
  orgPath(slug, `/plugins/${encodeURIComponent(name)}${rest}`);

export const pluginsApi = {
  marketplace: () => api.get<Page<MarketplacePlugin>>('/marketplace/plugins', { limit: 200 }),
  installed: (slug: string) => api.get<Page<InstalledPlugin>>(orgPath(slug, '/plugins'), { limit: 200 }),
  install: (slug: string, name: string, version: string) =>
    api.post<InstalledPlugin>(orgPath(slug, '/plugins'), { name, version }),
  uninstall: (slug: string, name: string) => api.delete(pluginPath(slug, name)),
  /** The org's config of a plugin (`{}` until someone saves one). */
  config: async (slug: string, name: string) =>
    ((await api.get<PluginConfig>(pluginPath(slug, name, '/config'))).config ?? {}) as Record<string, unknown>,
  /** Replaces the config; a schema violation answers 400 naming the field (`config.sources.0.name`). */
  saveConfig: async (slug: string, name: string, config: Record<string, unknown>) =>
    ((await api.put<PluginConfig>(pluginPath(slug, name, '/config'), { config })).config ?? {}) as Record<string, unknown>,
  invoke: (slug: string, name: string, action: string, input: unknown) =>
    api.post<unknown>(pluginPath(slug, name, `/actions/${encodeURIComponent(action)}`), input),
};

export const jobsApi = {
  list: (slug: string, filter: { plugin?: string; status?: JobStatus } = {}) =>
    api.get<Page<Job>>(orgPath(slug, '/jobs'), { ...filter, limit: 100 }),
  get: (slug: string, id: string) => api.get<JobDetail>(orgPath(slug, `/jobs/${encodeURIComponent(id)}`)),
  /** 202 with the queued job. */
  start: (slug: string, plugin: string, kind: string, input: unknown = {}) =>
    api.post<JobDetail>(pluginPath(slug, plugin, '/jobs'), { kind, input }),
  cancel: (slug: string, id: string) => api.post<JobDetail>(orgPath(slug, `/jobs/${encodeURIComponent(id)}/cancel`)),
  /** Only a job the server marked `retryable` (failed or cancelled). */
  retry: (slug: string, id: string) => api.post<JobDetail>(orgPath(slug, `/jobs/${encodeURIComponent(id)}/retry`)),
};
