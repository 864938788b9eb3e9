import { api } from './instance';
import type { Page, PluginProcess, SystemFacts, Tenant } from './types';

export const adminApi = {
  tenants: () => api.get<Page<Tenant>>('/admin/tenants', { limit: 200 }),
  suspend: (slug: string, reason?: string) =>
    api.post<Tenant>(`/admin/tenants/${encodeURIComponent(slug)}/suspend`, reason ? { reason } : {}),
  resume: (slug: string) => api.post<Tenant>(`/admin/tenants/${encodeURIComponent(slug)}/resume`),
  plugins: () => api.get<Page<PluginProcess>>('/admin/plugins'),
  system: () => api.get<SystemFacts>('/admin/system'),
};
