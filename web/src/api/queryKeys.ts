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
  marketplace: ['marketplace'] as const,
  admin: {
    tenants: ['admin', 'tenants'] as const,
    plugins: ['admin', 'plugins'] as const,
    system: ['admin', 'system'] as const,
  },
};
