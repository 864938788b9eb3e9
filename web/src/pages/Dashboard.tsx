import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { membersApi } from '../api/orgs';
import { jobsApi, pluginsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import { ActivityFeed, LiveIndicator } from '../components/dashboard/ActivityFeed';
import { MetricsPanel } from '../components/dashboard/MetricsPanel';
import { SystemStatusCard } from '../components/dashboard/SystemStatusCard';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Card, PageHeader } from '../components/ui/Card';
import { EmptyState } from '../components/ui/EmptyState';
import { ProgressBar } from '../components/ui/ProgressBar';
import { Loading } from '../components/ui/Spinner';
import { Icon, type IconName } from '../components/ui/Icon';
import { useNotifications } from '../hooks/useNotifications';
import { useOrg } from '../hooks/useOrg';
import { useSyncTasks } from '../hooks/useSyncTasks';
import { useWebSocket } from '../hooks/useWebSocket';
import { jobPercent } from '../lib/format';
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
          <SystemStatusCard org={slug} />
          <RecentJobs org={slug} />
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

/** The newest jobs with their live progress; the full list is on Monitoring. */
function RecentJobs({ org }: { org: string }) {
  const jobs = useSyncTasks(org);
  const items = [...(jobs.data?.items ?? [])].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)).slice(0, 5);
  return (
    <Card
      title="Recent jobs"
      bodyClassName="p-0"
      actions={
        <Link to={`/o/${org}/monitoring`} className="text-xs font-medium text-brand-700 hover:underline">
          All jobs
        </Link>
      }
    >
      {jobs.isLoading ? (
        <Loading />
      ) : jobs.error ? (
        <div className="p-4">
          <ErrorAlert error={jobs.error} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No jobs yet" icon={<Icon name="sync" className="h-8 w-8" />}>
          Syncs and trainings show up here with live progress.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Recent jobs">
          {items.map((j) => {
            const pct = j.status === 'succeeded' ? 100 : jobPercent(j.progress, j.processed_items, j.total_items);
            return (
              <li key={j.id} className="space-y-1.5 px-4 py-3">
                <div className="flex items-center justify-between gap-2 text-sm">
                  <span className="truncate font-medium text-slate-800">
                    {j.plugin} · {j.source ?? j.kind}
                  </span>
                  <Badge tone={statusTone(j.status)}>{j.status}</Badge>
                </div>
                <ProgressBar
                  value={j.status === 'queued' ? 0 : pct}
                  label={`${j.plugin} ${j.source ?? j.kind} progress`}
                  tone={j.status === 'failed' ? 'red' : j.status === 'succeeded' ? 'green' : j.status === 'cancelled' ? 'slate' : 'brand'}
                />
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
