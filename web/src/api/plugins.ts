import { api, orgPath } from './instance';
import type { InstalledPlugin, Job, JobStatus, MarketplacePlugin, Page } from './types';

const pluginPath = (slug: string, name: string, rest = '') =>
  orgPath(slug, `/plugins/${encodeURIComponent(name)}${rest}`);

export const pluginsApi = {
  marketplace: () => api.get<Page<MarketplacePlugin>>('/marketplace/plugins', { limit: 200 }),
  installed: (slug: string) => api.get<Page<InstalledPlugin>>(orgPath(slug, '/plugins'), { limit: 200 }),
  install: (slug: string, name: string, version: string) =>
    api.post<InstalledPlugin>(orgPath(slug, '/plugins'), { name, version }),
  uninstall: (slug: string, name: string) => api.delete(pluginPath(slug, name)),
  config: (slug: string, name: string) => api.get<Record<string, unknown>>(pluginPath(slug, name, '/config')),
  saveConfig: (slug: string, name: string, config: Record<string, unknown>) =>
    api.put<Record<string, unknown>>(pluginPath(slug, name, '/config'), config),
  invoke: (slug: string, name: string, action: string, input: unknown) =>
    api.post<unknown>(pluginPath(slug, name, `/actions/${encodeURIComponent(action)}`), input),
};

export const jobsApi = {
  list: (slug: string, filter: { plugin?: string; status?: JobStatus } = {}) =>
    api.get<Page<Job>>(orgPath(slug, '/jobs'), { ...filter, limit: 100 }),
  start: (slug: string, plugin: string, kind: string, input: unknown = {}) =>
    api.post<Job>(pluginPath(slug, plugin, '/jobs'), { kind, input }),
  cancel: (slug: string, id: string) => api.post<Job>(orgPath(slug, `/jobs/${encodeURIComponent(id)}/cancel`)),
  retry: (slug: string, id: string) => api.post<Job>(orgPath(slug, `/jobs/${encodeURIComponent(id)}/retry`)),
};
