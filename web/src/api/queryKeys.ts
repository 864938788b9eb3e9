/** React Query keys in one place, so invalidation after a mutation or a
 * realtime `reload` signal hits exactly what it should. */
export const qk = {
  me: ['me'] as const,
  orgs: ['orgs'] as const,
  org: (slug: string) => ['org', slug] as const,
  members: (slug: string) => ['org', slug, 'members'] as const,
  invitations: (slug: string) => ['org', slug, 'invitations'] as const,
  apiKeys: (slug: string) => ['org', slug, 'api-keys'] as const,
  notifications: (slug: string) => ['org', slug, 'notifications'] as const,
  activity: (slug: string) => ['org', slug, 'activity'] as const,
  plugins: (slug: string) => ['org', slug, 'plugins'] as const,
  pluginConfig: (slug: string, name: string) => ['org', slug, 'plugins', name, 'config'] as const,
  /** The sync plugin's `sources` action: configured sources without credentials. */
  pluginSources: (slug: string, name: string) => ['org', slug, 'plugins', name, 'sources'] as const,
  jobs: (slug: string) => ['org', slug, 'jobs'] as const,
  /** Everything of the files plugin (folders, trash, usage), for invalidation. */
  files: (slug: string) => ['org', slug, 'files'] as const,
  filesFolder: (slug: string, path: string) => ['org', slug, 'files', 'folder', path] as const,
  filesTrash: (slug: string) => ['org', slug, 'files', 'trash'] as const,
  filesUsage: (slug: string) => ['org', slug, 'files', 'usage'] as const,
  analyticsPanels: (slug: string) => ['org', slug, 'analytics', 'panels'] as const,
  analyticsPanelData: (slug: string, id: string) => ['org', slug, 'analytics', 'panel', id] as const,
  analyticsSources: (slug: string) => ['org', slug, 'analytics', 'sources'] as const,
  mlModels: (slug: string) => ['org', slug, 'ml', 'models'] as const,
  mlModel: (slug: string, name: string) => ['org', slug, 'ml', 'model', name] as const,
  marketplace: ['marketplace'] as const,
  admin: {
    tenants: ['admin', 'tenants'] as const,
    plugins: ['admin', 'plugins'] as const,
    system: ['admin', 'system'] as const,
  },
};
