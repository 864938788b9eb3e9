import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { pluginsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { InstalledPlugin, MarketplacePlugin, Page, PluginAction } from '../api/types';
import { ActionDialog } from '../components/plugins/ActionDialog';
import { ConfigDialog } from '../components/plugins/ConfigDialog';
import { usePluginCatalog } from '../components/plugins/usePluginCatalog';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { ConfirmDialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { Icon } from '../components/ui/Icon';
import { Loading } from '../components/ui/Spinner';
import { cx } from '../components/ui/cx';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { useMeaningfulPaint } from '../lib/paintMark';
import { relativeTime } from '../lib/relativeTime';
import { toast } from '../stores/toasts';

type Tab = 'installed' | 'marketplace';

export default function Plugins() {
  const { slug, org, can } = useOrg();
  const { marketplace, installed, manifestOf } = usePluginCatalog(slug);
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'marketplace' ? 'marketplace' : 'installed';
  const setTab = (t: Tab) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (t === 'marketplace') next.set('tab', t);
        else next.delete('tab');
        return next;
      },
      { replace: true },
    );
  // ?configure=<plugin> opens that plugin's settings (linked from Monitoring).
  const configureParam = params.get('configure');
  const [configuring, setConfiguring] = useState<string | null>(configureParam);
  const closeConfig = () => {
    setConfiguring(null);
    if (configureParam) setParams((p) => { const next = new URLSearchParams(p); next.delete('configure'); return next; }, { replace: true });
  };
  const installedCount = installed.data?.items.length ?? 0;
  const canConfigure = can('plugins:configure');
  const configuringSchema = configuring ? manifestOf(configuring)?.manifest.config_schema : undefined;
  useMeaningfulPaint(!!org && !installed.isLoading, 'plugins');

  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader title="Plugins" description="Extend this organization with sync, files, analytics and more." />
      <div role="tablist" aria-label="Plugin views" className="mb-4 flex gap-1 border-b border-slate-200">
        {(['installed', 'marketplace'] as Tab[]).map((t) => (
          <button
            key={t}
            role="tab"
            type="button"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            onClick={() => setTab(t)}
            className={cx(
              '-mb-px border-b-2 px-4 py-2 text-sm font-medium',
              tab === t ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-500 hover:text-slate-800',
            )}
          >
            {t === 'installed' ? `Installed${installed.data ? ` (${installedCount})` : ''}` : 'Marketplace'}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'installed' ? (
          <InstalledList
            org={slug}
            can={can}
            manifestOf={manifestOf}
            loading={installed.isLoading}
            error={installed.error}
            items={installed.data?.items ?? []}
            onBrowse={() => setTab('marketplace')}
            onConfigure={setConfiguring}
          />
        ) : (
          <Marketplace
            org={slug}
            canInstall={can('plugins:install')}
            canConfigure={canConfigure}
            loading={marketplace.isLoading}
            error={marketplace.error}
            items={marketplace.data?.items ?? []}
            installed={installed.data?.items ?? []}
            onConfigure={setConfiguring}
          />
        )}
      </div>
      {configuring && configuringSchema && canConfigure && (
        <ConfigDialog org={slug} name={configuring} schema={configuringSchema} onClose={closeConfig} />
      )}
    </div>
  );
}

function InstalledList({
  org,
  can,
  manifestOf,
  loading,
  error,
  items,
  onBrowse,
  onConfigure,
}: {
  org: string;
  can: (p: string) => boolean;
  manifestOf: (name: string) => MarketplacePlugin | undefined;
  loading: boolean;
  error: unknown;
  items: InstalledPlugin[];
  onBrowse: () => void;
  onConfigure: (name: string) => void;
}) {
  const queryClient = useQueryClient();
  const now = useNow(60_000);
  const [running, setRunning] = useState<{ plugin: string; action: PluginAction } | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const uninstall = useMutation({
    mutationFn: (name: string) => pluginsApi.uninstall(org, name),
    onSuccess: async (_r, name) => {
      await queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
      setRemoving(null);
      toast.success(`${name} uninstalled`);
    },
  });
  const manage = can('plugins:install');
  const configure = can('plugins:configure');

  if (loading) return <Loading />;
  if (error) return <ErrorAlert error={error} />;
  if (!items.length)
    return (
      <Card>
        <EmptyState
          title="No plugins installed"
          icon={<Icon name="puzzle" className="h-8 w-8" />}
          action={<Button variant="secondary" onClick={onBrowse}>Browse the marketplace</Button>}
        >
          {manage ? 'Install a plugin to start syncing data, processing files or tracking metrics.' : 'An admin of this organization can install plugins from the marketplace.'}
        </EmptyState>
      </Card>
    );

  return (
    <>
      <ul className="grid gap-4 md:grid-cols-2" aria-label="Installed plugins">
        {items.map((p) => {
          const manifest = manifestOf(p.name)?.manifest;
          // Hide what the caller may not run; the server enforces it regardless.
          const actions = (manifest?.actions ?? []).filter((a) =>
            a.job ? can('jobs:run') : can('plugins:invoke') && (!a.permission || can(a.permission)),
          );
          return (
            <li key={p.name} className="flex flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={`installed-${p.name}`}>
              <div className="flex items-start justify-between gap-2">
                <div className="min-w-0">
                  <h3 className="truncate font-medium text-slate-900">{p.name}</h3>
                  <p className="text-xs text-slate-500">
                    v{p.version} · installed {relativeTime(p.installed_at, now)}
                  </p>
                </div>
                <PluginStatusBadge status={p.status} />
              </div>
              {p.error && p.status !== 'running' && <p className="mt-2 text-xs break-words text-red-700">{p.error}</p>}
              {manifestOf(p.name)?.description && <p className="mt-2 line-clamp-2 text-sm text-slate-600">{manifestOf(p.name)?.description}</p>}
              {actions.length > 0 && (
                <div className="mt-3 flex flex-wrap gap-1.5">
                  {actions.map((a) => (
                    <Button key={a.name} size="sm" variant="secondary" onClick={() => setRunning({ plugin: p.name, action: a })} disabled={p.status !== 'running'} title={a.description}>
                      {a.job && <Icon name="sync" className="h-3.5 w-3.5" />}
                      {a.name}
                    </Button>
                  ))}
                </div>
              )}
              {(manage || configure) && (
                <div className="mt-4 flex gap-2 border-t border-slate-100 pt-3">
                  {configure && manifest?.config_schema && (
                    <Button size="sm" variant="secondary" onClick={() => onConfigure(p.name)}>
                      <Icon name="settings" className="h-4 w-4" /> Configure
                    </Button>
                  )}
                  {manage && (
                    <Button size="sm" variant="dangerGhost" className="ml-auto" onClick={() => setRemoving(p.name)}>
                      Uninstall
                    </Button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {running && <ActionDialog org={org} plugin={running.plugin} action={running.action} onClose={() => setRunning(null)} />}
      <ConfirmDialog
        open={!!removing}
        onClose={() => {
          setRemoving(null);
          uninstall.reset();
        }}
        onConfirm={() => removing && uninstall.mutate(removing)}
        title={`Uninstall ${removing}?`}
        description="Its process stops for this organization and its configuration is removed. Running jobs of this plugin are cancelled."
        confirmLabel="Uninstall"
        busy={uninstall.isPending}
        error={<ErrorAlert error={uninstall.error} />}
      />
    </>
  );
}

function Marketplace({
  org,
  canInstall,
  canConfigure,
  loading,
  error,
  items,
  installed,
  onConfigure,
}: {
  org: string;
  canInstall: boolean;
  canConfigure: boolean;
  loading: boolean;
  error: unknown;
  items: MarketplacePlugin[];
  installed: InstalledPlugin[];
  onConfigure: (name: string) => void;
}) {
  if (loading) return <Loading />;
  if (error) return <ErrorAlert error={error} />;
  if (!items.length)
    return (
      <Card>
        <EmptyState title="The marketplace is empty">No plugin catalog is configured on this server.</EmptyState>
      </Card>
    );
  return (
    <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" aria-label="Marketplace">
      {items.map((p) => (
        <MarketplaceCard
          key={p.name}
          org={org}
          plugin={p}
          canInstall={canInstall}
          canConfigure={canConfigure}
          installed={installed.find((i) => i.name === p.name)}
          onConfigure={onConfigure}
        />
      ))}
    </ul>
  );
}

function MarketplaceCard({
  org,
  plugin,
  canInstall,
  canConfigure,
  installed,
  onConfigure,
}: {
  org: string;
  plugin: MarketplacePlugin;
  canInstall: boolean;
  canConfigure: boolean;
  installed?: InstalledPlugin;
  onConfigure: (name: string) => void;
}) {
  const queryClient = useQueryClient();
  const versions = plugin.versions?.length ? plugin.versions : [plugin.version];
  const [version, setVersion] = useState(plugin.version);
  const install = useMutation({
    // Whether this is an upgrade is decided when the user clicks: by the time
    // the answer comes, live status events may already list the plugin.
    mutationFn: (upgrade: boolean) => pluginsApi.install(org, plugin.name, version).then((p) => ({ p, upgrade })),
    onSuccess: async ({ p, upgrade }) => {
      queryClient.setQueryData<Page<InstalledPlugin>>(qk.plugins(org), (page) =>
        page ? { ...page, items: [...page.items.filter((i) => i.name !== p.name), p] } : page,
      );
      await queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
      toast.success(`${plugin.name} ${upgrade ? 'upgraded' : 'installed'}`, `Version ${p.version}; its status updates live.`);
    },
  });
  const m = plugin.manifest;
  return (
    <li className="flex flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={`market-${plugin.name}`}>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="truncate font-medium text-slate-900">{plugin.name}</h3>
          <p className="text-xs text-slate-500">by {plugin.publisher || 'unknown publisher'}</p>
        </div>
        {installed ? (
          <span className="flex flex-col items-end gap-1">
            <Badge tone="violet">Installed v{installed.version}</Badge>
            <PluginStatusBadge status={installed.status} />
          </span>
        ) : (
          <Badge>v{plugin.version}</Badge>
        )}
      </div>
      <p className="mt-2 flex-1 text-sm text-slate-600">{plugin.description}</p>
      <dl className="mt-3 space-y-1 text-xs text-slate-500">
        {m?.actions?.length ? (
          <div>
            <dt className="inline font-medium text-slate-600">Actions: </dt>
            <dd className="inline">{m.actions.map((a) => a.name).join(', ')}</dd>
          </div>
        ) : null}
        {m?.event_types?.length ? (
          <div>
            <dt className="inline font-medium text-slate-600">Emits: </dt>
            <dd className="inline font-mono">{m.event_types.join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      {installed && ((canConfigure && plugin.manifest.config_schema) || (canInstall && installed.version !== plugin.version)) && (
        <div className="mt-4 flex justify-end gap-2 border-t border-slate-100 pt-3">
          {canInstall && installed.version !== plugin.version && (
            <Button size="sm" onClick={() => install.mutate(true)} loading={install.isPending}>
              Upgrade to v{plugin.version}
            </Button>
          )}
          {canConfigure && plugin.manifest.config_schema && (
            <Button size="sm" variant="secondary" onClick={() => onConfigure(plugin.name)}>
              <Icon name="settings" className="h-4 w-4" /> Configure
            </Button>
          )}
        </div>
      )}
      {canInstall && !installed && (
        <div className="mt-4 flex items-end gap-2 border-t border-slate-100 pt-3">
          {versions.length > 1 && (
            <label className="text-xs text-slate-600">
              <span className="sr-only">Version of {plugin.name}</span>
              <select value={version} onChange={(e) => setVersion(e.target.value)} className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm">
                {versions.map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </select>
            </label>
          )}
          <Button size="sm" onClick={() => install.mutate(!!installed)} loading={install.isPending} className="ml-auto" aria-label={`Install ${plugin.name}`}>
            Install
          </Button>
        </div>
      )}
      <ErrorAlert error={install.error} className="mt-3" />
    </li>
  );
}

/** A plugin process status with a live dot (pulsing while it starts). */
function PluginStatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={statusTone(status)}>
      <span className={cx('h-1.5 w-1.5 rounded-full bg-current', status === 'starting' && 'sy-pulse')} aria-hidden="true" />
      <span data-testid="plugin-status">{status}</span>
    </Badge>
  );
}
