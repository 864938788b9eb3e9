import { api } from './instance';
import type { Page, PluginProcess, SystemFacts, Tenant } from './types';

export const adminApi = {
  tenants: () => api.get<Page<Tenant>>('/admin/tenants', { limit: 200 }),
  suspend: (slug: string) => api.post<void>(`/admin/tenants/${encodeURIComponent(slug)}/suspend`),
  resume: (slug: string) => api.post<void>(`/admin/tenants/${encodeURIComponent(slug)}/resume`),
  plugins: () => api.get<Page<PluginProcess>>('/admin/plugins'),
  system: () => api.get<SystemFacts>('/admin/system'),
};
