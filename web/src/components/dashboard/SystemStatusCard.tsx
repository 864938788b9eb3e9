import { useNow } from '../../hooks/useNow';
import { useSystemStatus } from '../../hooks/useSystemStatus';
import { humanize } from '../../lib/format';
import { relativeTime } from '../../lib/relativeTime';
import { Badge, statusTone } from '../ui/Badge';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { Icon } from '../ui/Icon';

function scalarEntries(data: Record<string, unknown> | null): Array<[string, string]> {
  if (!data) return [];
  return Object.entries(data)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => [k, String(v)] as [string, string])
    .slice(0, 8);
}

/** System status and health as last reported by the platform. */
export function SystemStatusCard() {
  const { status, health, updatedAt } = useSystemStatus();
  const now = useNow(15_000);
  const overall = String((health?.status ?? status?.status ?? '') || '');
  const entries = [...scalarEntries(status), ...scalarEntries(health)].filter(([k]) => k !== 'status');

  return (
    <Card
      title="System status"
      actions={overall ? <Badge tone={statusTone(overall)}>{overall}</Badge> : undefined}
      description={updatedAt ? `Reported ${relativeTime(updatedAt, now)}` : undefined}
    >
      {!status && !health ? (
        <EmptyState title="No status reported yet" icon={<Icon name="server" className="h-8 w-8" />}>
          The platform's system.status and system.health reports will appear here when they arrive.
        </EmptyState>
      ) : entries.length === 0 ? (
        <p className="text-sm text-slate-600">Reported status: {overall || 'unknown'}</p>
      ) : (
        <dl className="grid grid-cols-1 gap-x-4 gap-y-2 text-sm sm:grid-cols-2">
          {entries.map(([k, v]) => (
            <div key={k} className="flex min-w-0 justify-between gap-3 border-b border-slate-50 pb-1">
              <dt className="text-slate-500">{humanize(k)}</dt>
              <dd className="truncate font-medium text-slate-900" title={v}>
                {v}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}
