import { useQuery, useQueryClient } from '@tanstack/react-query';
import { pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import type { InstalledPlugin, MarketplacePlugin, Page, PluginStatus } from '../../api/types';
import { useRealtimeEvent } from '../../hooks/useRealtimeEvents';

/** Marketplace + installed plugins, with live `plugin.status` patched into the cache. */
export function usePluginCatalog(org: string) {
  const queryClient = useQueryClient();
  const marketplace = useQuery({ queryKey: qk.marketplace, queryFn: pluginsApi.marketplace, staleTime: 60_000 });
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

  const manifestOf = (name: string): MarketplacePlugin | undefined => marketplace.data?.items.find((m) => m.name === name);
  return { marketplace, installed, manifestOf };
}
