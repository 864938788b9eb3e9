import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { orgsApi } from '../../api/orgs';
import { qk } from '../../api/queryKeys';
import { roleLabel } from '../../lib/roles';
import { CreateOrgForm } from '../CreateOrgForm';
import { Badge } from '../ui/Badge';
import { Dialog } from '../ui/Dialog';
import { Icon } from '../ui/Icon';
import { Popover } from '../ui/Popover';
import { Spinner } from '../ui/Spinner';
import { cx } from '../ui/cx';

export function OrgSwitcher({ current }: { current?: string }) {
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const orgs = useQuery({ queryKey: qk.orgs, queryFn: orgsApi.list });
  const currentOrg = orgs.data?.items.find((o) => o.slug === current);

  return (
    <div className="relative min-w-0">
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={`Organization: ${currentOrg?.name ?? current ?? 'none'}. Switch organization`}
        data-testid="org-switcher"
        className="flex min-w-0 items-center gap-2 rounded-md px-2 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
      >
        <span className="flex h-6 w-6 shrink-0 items-center justify-center rounded bg-brand-600 text-xs font-bold text-white uppercase" aria-hidden="true">
          {(currentOrg?.name ?? current ?? '?').slice(0, 1)}
        </span>
        <span className="truncate">{currentOrg?.name ?? current ?? 'Choose organization'}</span>
        <Icon name="chevronDown" className="h-4 w-4 text-slate-400" />
      </button>
      <Popover open={open} onClose={() => setOpen(false)} triggerRef={trigger} label="Organizations" align="left" className="w-72 py-2">
        <p className="px-3 pb-1 text-xs font-medium tracking-wide text-slate-500 uppercase">Organizations</p>
        {orgs.isLoading ? (
          <div className="p-3">
            <Spinner size="sm" label="Loading" />
          </div>
        ) : (
          <ul className="max-h-72 overflow-y-auto">
            {orgs.data?.items.map((o) => (
              <li key={o.slug}>
                <Link
                  to={`/o/${o.slug}`}
                  onClick={() => setOpen(false)}
                  aria-current={o.slug === current ? 'page' : undefined}
                  className={cx('flex items-center justify-between gap-2 px-3 py-2 text-sm hover:bg-slate-50', o.slug === current && 'bg-brand-50')}
                >
                  <span className="truncate">{o.name}</span>
                  <span className="flex shrink-0 gap-1">
                    {o.suspended && <Badge tone="red">Suspended</Badge>}
                    <Badge>{roleLabel[o.role] ?? o.role}</Badge>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        <div className="mt-1 border-t border-slate-100 pt-1">
          <button
            type="button"
            className="flex w-full items-center gap-2 px-3 py-2 text-left text-sm text-brand-700 hover:bg-slate-50"
            onClick={() => {
              setOpen(false);
              setCreating(true);
            }}
          >
            <Icon name="plus" className="h-4 w-4" /> Create organization
          </button>
          <Link to="/orgs" onClick={() => setOpen(false)} className="block px-3 py-2 text-sm text-slate-600 hover:bg-slate-50">
            All organizations
          </Link>
        </div>
      </Popover>
      <Dialog open={creating} onClose={() => setCreating(false)} title="Create organization" description="A separate workspace with its own members, plugins and data.">
        <CreateOrgForm onCreated={() => setCreating(false)} />
      </Dialog>
    </div>
  );
}
