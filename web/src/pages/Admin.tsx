import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { adminApi } from '../api/admin';
import { qk } from '../api/queryKeys';
import type { PluginProcess, Tenant } from '../api/types';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { ConfirmDialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { TextField } from '../components/ui/Field';
import { Loading } from '../components/ui/Spinner';
import { useNow } from '../hooks/useNow';
import { formatBytes, formatDuration, humanize } from '../lib/format';
import { useMeaningfulPaint } from '../lib/paintMark';
import { relativeTime } from '../lib/relativeTime';
import { useSession } from '../stores/session';
import { toast } from '../stores/toasts';

export default function Admin() {
  const user = useSession((s) => s.user);
  if (!user?.platform_admin) {
    return (
      <div className="mx-auto max-w-md py-16 text-center">
        <h1 className="text-lg font-semibold">Platform admins only</h1>
        <p className="mt-2 text-sm text-slate-500">Your account does not have access to the admin area.</p>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-6xl space-y-6">
      <PageHeader title="Platform admin" description="Tenants, plugin processes and the server itself." />
      <SystemCard />
      <TenantsCard />
      <PluginProcessesCard />
    </div>
  );
}

function TenantsCard() {
  const queryClient = useQueryClient();
  const now = useNow(60_000);
  const tenants = useQuery({ queryKey: qk.admin.tenants, queryFn: adminApi.tenants });
  const [target, setTarget] = useState<Tenant | null>(null);
  const [reason, setReason] = useState('');
  const toggle = useMutation({
    mutationFn: (t: Tenant) => (t.suspended ? adminApi.resume(t.slug) : adminApi.suspend(t.slug, reason.trim() || undefined)),
    onSuccess: async (_r, t) => {
      setTarget(null);
      setReason('');
      await queryClient.invalidateQueries({ queryKey: qk.admin.tenants });
      toast.success(t.suspended ? `${t.name} resumed` : `${t.name} suspended`);
    },
  });
  const items = tenants.data?.items ?? [];
  return (
    <Card title="Tenants" bodyClassName="p-0" description={tenants.data ? `${items.length} organizations` : undefined}>
      {tenants.isLoading ? (
        <Loading />
      ) : tenants.error ? (
        <div className="p-4">
          <ErrorAlert error={tenants.error} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No organizations yet" />
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-100 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Organization</th>
                <th scope="col" className="px-4 py-2 font-medium">Members</th>
                <th scope="col" className="px-4 py-2 font-medium">Created</th>
                <th scope="col" className="px-4 py-2 font-medium">Status</th>
                <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((t) => (
                <tr key={t.id} data-testid={`tenant-${t.slug}`}>
                  <td className="px-4 py-2">
                    <p className="font-medium text-slate-900">{t.name}</p>
                    <p className="font-mono text-xs text-slate-500">{t.slug}</p>
                    {t.suspended && t.suspend_reason && <p className="text-xs text-red-700">{t.suspend_reason}</p>}
                  </td>
                  <td className="px-4 py-2 tabular-nums">{t.members}</td>
                  <td className="px-4 py-2 whitespace-nowrap text-slate-500">{relativeTime(t.created_at, now)}</td>
                  <td className="px-4 py-2">{t.suspended ? <Badge tone="red">suspended</Badge> : <Badge tone="green">active</Badge>}</td>
                  <td className="px-4 py-2 text-right">
                    <Button size="sm" variant={t.suspended ? 'secondary' : 'dangerGhost'} onClick={() => setTarget(t)} aria-label={`${t.suspended ? 'Resume' : 'Suspend'} ${t.name}`}>
                      {t.suspended ? 'Resume' : 'Suspend'}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={!!target}
        onClose={() => {
          setTarget(null);
          setReason('');
          toggle.reset();
        }}
        onConfirm={() => target && toggle.mutate(target)}
        title={target?.suspended ? `Resume ${target?.name}?` : `Suspend ${target?.name}?`}
        description={
          target?.suspended
            ? 'Its members regain access and live connections are allowed again.'
            : 'Its API calls and live connections are refused until you resume it. Nothing is deleted.'
        }
        confirmLabel={target?.suspended ? 'Resume' : 'Suspend'}
        busy={toggle.isPending}
        error={<ErrorAlert error={toggle.error} />}
      >
        {target && !target.suspended && (
          <TextField label="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} hint="Shown to platform admins next to the organization." />
        )}
      </ConfirmDialog>
    </Card>
  );
}

function PluginProcessesCard() {
  const now = useNow(15_000);
  const procs = useQuery({ queryKey: qk.admin.plugins, queryFn: adminApi.plugins, refetchInterval: 5_000 });
  const items = procs.data?.items ?? [];
  return (
    <Card title="Plugin processes" bodyClassName="p-0" description="One process per plugin version, serving every organization that installed it. Refreshed every 5 s.">
      {procs.isLoading ? (
        <Loading />
      ) : procs.error ? (
        <div className="p-4">
          <ErrorAlert error={procs.error} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No plugin processes running" />
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-100 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Plugin</th>
                <th scope="col" className="px-4 py-2 font-medium">Status</th>
                <th scope="col" className="px-4 py-2 font-medium">PID</th>
                <th scope="col" className="px-4 py-2 font-medium">Restarts</th>
                <th scope="col" className="px-4 py-2 font-medium">Tenants</th>
                <th scope="col" className="px-4 py-2 font-medium">Started</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((p: PluginProcess) => (
                <tr key={`${p.name}@${p.version}`} data-testid={`process-${p.name}`}>
                  <td className="px-4 py-2">
                    <p className="font-medium">{p.name}</p>
                    <p className="text-xs text-slate-500">v{p.version}</p>
                    {p.last_error && <p className="mt-1 max-w-xs text-xs break-words text-red-700">{p.last_error}</p>}
                  </td>
                  <td className="px-4 py-2"><Badge tone={statusTone(p.status)}>{p.status}</Badge></td>
                  <td className="px-4 py-2 font-mono text-xs">{p.pid || '—'}</td>
                  <td className="px-4 py-2 tabular-nums">{p.restarts}</td>
                  <td className="px-4 py-2 tabular-nums">{p.tenants}</td>
                  <td className="px-4 py-2 whitespace-nowrap text-slate-500">{p.started_at ? relativeTime(p.started_at, now) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** Renders whatever facts the server reports, formatting the ones it recognizes. */
function SystemCard() {
  const system = useQuery({ queryKey: qk.admin.system, queryFn: adminApi.system, refetchInterval: 15_000 });
  useMeaningfulPaint(!!system.data, 'admin');
  return (
    <Card title="System" description="Refreshed every 15 s.">
      {system.isLoading ? (
        <Loading />
      ) : system.error ? (
        <ErrorAlert error={system.error} />
      ) : (
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3">
          {flattenFacts(system.data ?? {}).map(([k, v]) => (
            <div key={k} className="flex min-w-0 justify-between gap-3 border-b border-slate-50 pb-1">
              <dt className="text-slate-500">{humanize(k)}</dt>
              <dd className="truncate text-right font-medium text-slate-900" title={v}>
                {v}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}

export function flattenFacts(obj: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix} ${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flattenFacts(v as Record<string, unknown>, key));
    else out.push([key, formatFact(k, v)]);
  }
  return out;
}

function formatFact(key: string, v: unknown): string {
  if (typeof v === 'number') {
    if (/bytes|memory|heap|alloc|rss/i.test(key)) return formatBytes(v);
    if (/uptime.*(s|seconds)?$/i.test(key)) return formatDuration(v);
    return v.toLocaleString();
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (v === null || v === undefined) return '—';
  return String(v);
}
