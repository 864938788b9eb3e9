import { useQuery, useQueryClient } from '@tanstack/react-query';
import { pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import type { InstalledPlugin, MarketplacePlugin, Page, PluginStatus } from '../../api/types';
import { useRealtimeEvent } from '../../hooks/useRealtimeEvents';

/** Installed plugins of the org, with live `plugin.status` patched into the cache. */
export function useInstalledPlugins(org: string) {
  const queryClient = useQueryClient();
  const installed = useQuery({ queryKey: qk.plugins(org), queryFn: () => pluginsApi.installed(org) });

  useRealtimeEvent('plugin.status', (e) => {
    const name = e.data?.plugin;
    const status = e.data?.status as PluginStatus | undefined;
    if (!name || !status) return;
    let known = false;
    queryClient.setQueryData<Page<InstalledPlugin>>(qk.plugins(org), (page) => {
      if (!page) return page;
      return {
        ...page,
        items: page.items.map((p) => {
          if (p.name !== name || (e.data.version && p.version !== e.data.version)) return p;
          known = true;
          return { ...p, status, error: e.data.error || undefined };
        }),
      };
    });
    // Installed elsewhere (another tab, the API), or a new version: fetch the real entry.
    if (!known) void queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
  });
  // A plugin installed, upgraded or removed elsewhere: its process may have
  // been running already (it serves every org), so no status change says so.
  useRealtimeEvent('user.activity', (e) => {
    const action = e.data?.action;
    if (action === 'plugin.installed' || action === 'plugin.upgraded' || action === 'plugin.uninstalled') {
      void queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
    }
  });
  return installed;
}

/** Marketplace + installed plugins, with live `plugin.status` patched into the cache. */
export function usePluginCatalog(org: string) {
  const marketplace = useQuery({ queryKey: qk.marketplace, queryFn: pluginsApi.marketplace, staleTime: 60_000 });
  const installed = useInstalledPlugins(org);
  const manifestOf = (name: string): MarketplacePlugin | undefined => marketplace.data?.items.find((m) => m.name === name);
  return { marketplace, installed, manifestOf };
}
