import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { membersApi } from '../api/orgs';
import { jobsApi, pluginsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import { ActivityFeed, LiveIndicator } from '../components/dashboard/ActivityFeed';
import { MetricsPanel } from '../components/dashboard/MetricsPanel';
import { SystemStatusCard } from '../components/dashboard/SystemStatusCard';
import { PageHeader } from '../components/ui/Card';
import { Icon, type IconName } from '../components/ui/Icon';
import { useNotifications } from '../hooks/useNotifications';
import { useOrg } from '../hooks/useOrg';
import { useWebSocket } from '../hooks/useWebSocket';
import { useMeaningfulPaint } from '../lib/paintMark';

export default function Dashboard() {
  const { slug, org } = useOrg();
  const { state } = useWebSocket();
  useMeaningfulPaint(!!org, 'dashboard');
  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader
        title={org?.name ?? 'Dashboard'}
        description="Live view of your organization."
        actions={<LiveIndicator status={state.status} />}
      />
      <StatTiles org={slug} />
      <div className="mt-6 grid gap-6 xl:grid-cols-5">
        <div className="space-y-6 xl:col-span-3">
          <MetricsPanel />
          <ActivityFeed org={slug} />
        </div>
        <div className="space-y-6 xl:col-span-2">
          <SystemStatusCard />
        </div>
      </div>
    </div>
  );
}

/** Counts that come straight from the API; a dash until they load. */
function StatTiles({ org }: { org: string }) {
  const plugins = useQuery({ queryKey: qk.plugins(org), queryFn: () => pluginsApi.installed(org) });
  const jobs = useQuery({ queryKey: qk.jobs(org), queryFn: () => jobsApi.list(org) });
  const members = useQuery({ queryKey: qk.members(org), queryFn: () => membersApi.list(org) });
  const notifications = useNotifications(org);

  const running = plugins.data?.items.filter((p) => p.status === 'running').length;
  const active = jobs.data?.items.filter((j) => j.status === 'running' || j.status === 'queued').length;
  const tiles: Array<{ label: string; value: string; sub?: string; icon: IconName; to: string; failed: boolean }> = [
    {
      label: 'Plugins running',
      value: plugins.data ? `${running}` : '—',
      sub: plugins.data ? `of ${plugins.data.items.length} installed` : undefined,
      icon: 'puzzle',
      to: 'plugins',
      failed: !!plugins.error,
    },
    { label: 'Active jobs', value: jobs.data ? `${active}` : '—', sub: jobs.data ? `${jobs.data.items.length} recent` : undefined, icon: 'sync', to: 'monitoring', failed: !!jobs.error },
    { label: 'Members', value: members.data ? `${members.data.items.length}` : '—', icon: 'users', to: 'members', failed: !!members.error },
    {
      label: 'Unread notifications',
      value: notifications.isLoading ? '—' : `${notifications.unread}`,
      icon: 'bell',
      to: '',
      failed: !!notifications.error,
    },
  ];
  return (
    <ul className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      {tiles.map((t) => {
        const body = (
          <>
            <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
              <Icon name={t.icon} />
            </span>
            <span className="min-w-0">
              <span className="block truncate text-xs text-slate-500">{t.label}</span>
              <span className="block text-xl font-semibold text-slate-900 tabular-nums" title={t.failed ? 'Could not be loaded' : undefined}>
                {t.failed ? 'n/a' : t.value}
              </span>
              {t.sub && !t.failed && <span className="block truncate text-xs text-slate-400">{t.sub}</span>}
            </span>
          </>
        );
        const cls = 'flex h-full items-center gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm';
        return (
          <li key={t.label}>
            {t.to ? (
              <Link to={`/o/${org}/${t.to}`} className={`${cls} hover:border-slate-300`}>
                {body}
              </Link>
            ) : (
              <div className={cls}>{body}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
