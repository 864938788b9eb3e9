import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { orgsApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import { CreateOrgForm } from '../components/CreateOrgForm';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge } from '../components/ui/Badge';
import { Card, PageHeader } from '../components/ui/Card';
import { EmptyState } from '../components/ui/EmptyState';
import { Loading } from '../components/ui/Spinner';
import { roleLabel } from '../lib/roles';

export default function Orgs() {
  const orgs = useQuery({ queryKey: qk.orgs, queryFn: orgsApi.list });
  const items = orgs.data?.items ?? [];
  return (
    <div className="mx-auto max-w-4xl">
      <PageHeader title="Organizations" description="Each organization has its own members, plugins and live dashboard." />
      <div className="grid gap-6 md:grid-cols-[1fr_20rem]">
        <Card title="Your organizations" bodyClassName="p-0">
          {orgs.isLoading ? (
            <Loading />
          ) : orgs.error ? (
            <div className="p-4">
              <ErrorAlert error={orgs.error} />
            </div>
          ) : items.length === 0 ? (
            <EmptyState title="No organizations yet">Create one, or ask a teammate to invite you.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {items.map((o) => (
                <li key={o.slug}>
                  <Link to={`/o/${o.slug}`} className="flex items-center justify-between gap-3 px-4 py-3 hover:bg-slate-50">
                    <div className="min-w-0">
                      <p className="truncate text-sm font-medium text-slate-900">{o.name}</p>
                      <p className="truncate font-mono text-xs text-slate-500">/o/{o.slug}</p>
                    </div>
                    <div className="flex shrink-0 gap-1">
                      {o.suspended && <Badge tone="red">Suspended</Badge>}
                      <Badge>{roleLabel[o.role] ?? o.role}</Badge>
                    </div>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Create organization">
          <CreateOrgForm />
        </Card>
      </div>
    </div>
  );
}
