import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { adminApi } from '../../api/admin';
import { jobsApi, pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import { useNow } from '../../hooks/useNow';
import { useSystemStatus } from '../../hooks/useSystemStatus';
import { useRealtimeStats, useWebSocket } from '../../hooks/useWebSocket';
import { formatDuration, humanize } from '../../lib/format';
import { relativeTime } from '../../lib/relativeTime';
import { useSession } from '../../stores/session';
import { describeConnection } from '../ConnectionBadge';
import { Badge, statusTone, type Tone } from '../ui/Badge';
import { Card } from '../ui/Card';
import { Spinner } from '../ui/Spinner';

interface Readiness {
  status: string;
  checks?: Record<string, string>;
}

/** GET /readyz: the server's own health (database and components); no auth. */
async function fetchReadiness(): Promise<Readiness> {
  const res = await fetch('/readyz', { headers: { Accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as Partial<Readiness>;
  return { status: body.status ?? (res.ok ? 'ready' : 'unavailable'), checks: body.checks };
}

interface Row {
  label: string;
  value: ReactNode;
  tone: Tone;
  detail?: ReactNode;
}

/**
 * The organization's system status at a glance, from what the server says
 * now: the API's readiness (polled), the live connection, the plugin
 * processes (kept current by `plugin.status` events) and the jobs (kept
 * current by `sync.update` events). Platform admins also see the build and
 * uptime, and any `system.status` / `system.health` a plugin reported.
 */
export function SystemStatusCard({ org }: { org: string }) {
  const now = useNow(15_000);
  const isAdmin = useSession((s) => !!s.user?.platform_admin);
  const { state } = useWebSocket();
  const stats = useRealtimeStats();
  const ready = useQuery({ queryKey: ['readyz'], queryFn: fetchReadiness, refetchInterval: 15_000, retry: false });
  const plugins = useQuery({ queryKey: qk.plugins(org), queryFn: () => pluginsApi.installed(org) });
  const jobs = useQuery({ queryKey: qk.jobs(org), queryFn: () => jobsApi.list(org) });
  const system = useQuery({ queryKey: qk.admin.system, queryFn: adminApi.system, enabled: isAdmin, refetchInterval: 30_000 });
  const reported = useSystemStatus();

  const apiOk = ready.data?.status === 'ready';
  const conn = describeConnection(state, now);
  const installed = plugins.data?.items ?? [];
  const running = installed.filter((p) => p.status === 'running').length;
  const broken = installed.filter((p) => p.status === 'crashed' || p.status === 'disabled');
  const activeJobs = (jobs.data?.items ?? []).filter((j) => j.status === 'running' || j.status === 'queued').length;
  const failedJobs = (jobs.data?.items ?? []).filter((j) => j.status === 'failed').length;

  const rows: Row[] = [
    {
      label: 'API',
      value: ready.isLoading ? 'checking…' : ready.error ? 'unreachable' : (ready.data?.status ?? 'unknown'),
      tone: ready.isLoading ? 'slate' : apiOk ? 'green' : 'red',
      detail: ready.data?.checks
        ? Object.entries(ready.data.checks)
            .map(([k, v]) => `${humanize(k)} ${v}`)
            .join(' · ')
        : undefined,
    },
    {
      label: 'Live connection',
      value: conn.text,
      tone: conn.tone === 'blue' ? 'blue' : conn.tone,
      detail: stats.lastSeq !== null ? `event #${stats.lastSeq}` : undefined,
    },
    {
      label: 'Plugins',
      value: plugins.data ? `${running} of ${installed.length} running` : '—',
      tone: !plugins.data ? 'slate' : broken.length ? 'red' : installed.length && running < installed.length ? 'amber' : 'green',
      detail: broken.length ? broken.map((p) => `${p.name} ${p.status}`).join(', ') : installed.length ? installed.map((p) => p.name).join(', ') : 'none installed',
    },
    {
      label: 'Jobs',
      value: jobs.data ? `${activeJobs} active` : '—',
      tone: !jobs.data ? 'slate' : failedJobs ? 'amber' : 'green',
      detail: jobs.data ? `${failedJobs} failed of ${jobs.data.items.length} recent` : undefined,
    },
  ];
  if (isAdmin && system.data) {
    rows.push({
      label: 'Server',
      value: system.data.version,
      tone: system.data.database_ok ? 'green' : 'red',
      detail: `up ${formatDuration(system.data.uptime_seconds)} · ${system.data.database}`,
    });
  }
  for (const [label, data] of [
    ['Reported status', reported.status],
    ['Reported health', reported.health],
  ] as const) {
    if (!data) continue;
    const st = String(data.status ?? 'reported');
    rows.push({ label, value: st, tone: statusTone(st), detail: reported.updatedAt ? relativeTime(reported.updatedAt, now) : undefined });
  }

  const overall: { text: string; tone: Tone } = ready.isLoading
    ? { text: 'Checking', tone: 'slate' }
    : !apiOk
      ? { text: 'Unavailable', tone: 'red' }
      : broken.length || state.status !== 'connected'
        ? { text: 'Degraded', tone: 'amber' }
        : { text: 'Operational', tone: 'green' };

  return (
    <Card
      title="System status"
      description={ready.dataUpdatedAt ? `Checked ${relativeTime(ready.dataUpdatedAt, now)}` : undefined}
      actions={ready.isLoading ? <Spinner size="sm" label="Checking" /> : <Badge tone={overall.tone}>{overall.text}</Badge>}
    >
      <dl className="space-y-3 text-sm" data-testid="system-status">
        {rows.map((r) => (
          <div key={r.label} className="flex items-start justify-between gap-3">
            <dt className="flex min-w-0 items-center gap-2 text-slate-600">
              <span className={dotClass[r.tone]} aria-hidden="true" />
              {r.label}
            </dt>
            <dd className="min-w-0 text-right">
              <span className="font-medium text-slate-900">{r.value}</span>
              {r.detail && <span className="block truncate text-xs text-slate-500">{r.detail}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

const dotClass: Record<Tone, string> = {
  green: 'h-2 w-2 shrink-0 rounded-full bg-emerald-500',
  amber: 'h-2 w-2 shrink-0 rounded-full bg-amber-500',
  red: 'h-2 w-2 shrink-0 rounded-full bg-red-500',
  blue: 'h-2 w-2 shrink-0 rounded-full bg-sky-500',
  slate: 'h-2 w-2 shrink-0 rounded-full bg-slate-300',
  violet: 'h-2 w-2 shrink-0 rounded-full bg-violet-500',
};
