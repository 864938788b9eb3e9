import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, errorField } from '../api/errors';
import { apiKeysApi, orgsApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import type { CreatedApiKey } from '../api/types';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Badge } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { CopyButton } from '../components/ui/CopyButton';
import { ConfirmDialog, Dialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { Checkbox, TextField } from '../components/ui/Field';
import { Icon } from '../components/ui/Icon';
import { Loading } from '../components/ui/Spinner';
import { useNow } from '../hooks/useNow';
import { LAST_ORG_KEY, useOrg } from '../hooks/useOrg';
import { relativeTime } from '../lib/relativeTime';
import { toast } from '../stores/toasts';

export default function Settings() {
  const { slug, org, can } = useOrg();
  if (!org) return <Loading />;
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <PageHeader title="Settings" description={`Organization /o/${slug}`} />
      <GeneralCard org={slug} name={org.name} canEdit={can('org:update')} />
      {can('apikeys:manage') && <ApiKeysCard org={slug} grantable={org.permissions} />}
      {can('org:delete') && <DangerZone org={slug} name={org.name} />}
    </div>
  );
}

function GeneralCard({ org, name, canEdit }: { org: string; name: string; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState(name);
  useEffect(() => setValue(name), [name]);
  const save = useMutation({
    mutationFn: () => orgsApi.update(org, { name: value.trim() }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: qk.org(org) });
      await queryClient.invalidateQueries({ queryKey: qk.orgs });
      toast.success('Organization renamed');
    },
  });
  const [submitted, setSubmitted] = useState(false);
  const error = (submitted && !value.trim() ? 'The name cannot be empty' : null) ?? (save.error instanceof ApiError && save.error.field === 'name' ? save.error.message : null);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!value.trim()) return;
    save.mutate();
  };
  return (
    <Card title="General">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="flex-1">
          <TextField label="Organization name" value={value} onChange={(e) => setValue(e.target.value)} error={error} disabled={!canEdit} hint={canEdit ? undefined : 'Only admins can rename the organization.'} />
        </div>
        {canEdit && (
          <Button type="submit" loading={save.isPending} disabled={value.trim() === name} className="sm:mt-6">
            Save
          </Button>
        )}
      </form>
      {!(save.error instanceof ApiError && save.error.field) && <ErrorAlert error={save.error} className="mt-3" />}
    </Card>
  );
}

function ApiKeysCard({ org, grantable }: { org: string; grantable: string[] }) {
  const queryClient = useQueryClient();
  const now = useNow(60_000);
  const keys = useQuery({ queryKey: qk.apiKeys(org), queryFn: () => apiKeysApi.list(org) });
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => apiKeysApi.revoke(org, id),
    onSuccess: async () => {
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: qk.apiKeys(org) });
      toast.success('API key revoked');
    },
  });
  const items = keys.data?.items ?? [];

  return (
    <Card
      title="API keys"
      description="For your own backend: publish custom events, call plugin actions. Keys act with the permissions you give them."
      bodyClassName="p-0"
      actions={
        <Button size="sm" onClick={() => setCreating(true)}>
          <Icon name="plus" className="h-4 w-4" /> New key
        </Button>
      }
    >
      {keys.isLoading ? (
        <Loading />
      ) : keys.error ? (
        <div className="p-4">
          <ErrorAlert error={keys.error} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No API keys" icon={<Icon name="key" className="h-8 w-8" />}>
          Create one to let a server publish events to this organization's dashboards.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="API keys">
          {items.map((k) => (
            <li key={k.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-slate-900">{k.name}</p>
                <p className="truncate text-xs text-slate-500">
                  <span className="font-mono">{k.prefix}…</span> · created {relativeTime(k.created_at, now)} ·{' '}
                  {k.last_used_at ? `last used ${relativeTime(k.last_used_at, now)}` : 'never used'}
                  {k.expires_at && ` · expires ${new Date(k.expires_at).toLocaleDateString()}`}
                </p>
                <div className="mt-1 flex flex-wrap gap-1">
                  {k.permissions.map((p) => (
                    <Badge key={p} className="font-mono">
                      {p}
                    </Badge>
                  ))}
                </div>
              </div>
              <Button size="sm" variant="dangerGhost" onClick={() => setRevoking({ id: k.id, name: k.name })}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
      {creating && (
        <CreateKeyDialog
          org={org}
          grantable={grantable}
          onClose={() => setCreating(false)}
          onCreated={(k) => {
            setCreating(false);
            setRevealed(k);
          }}
        />
      )}
      <Dialog
        open={!!revealed}
        onClose={() => setRevealed(null)}
        title="Copy your new API key"
        description="This is the only time the key is shown. Store it in your secret manager now."
        footer={<Button onClick={() => setRevealed(null)}>I have stored it</Button>}
      >
        {revealed && (
          <div className="space-y-3">
            <code className="block rounded-md bg-slate-900 p-3 font-mono text-xs break-all text-emerald-300" data-testid="api-key-secret">
              {revealed.key}
            </code>
            <CopyButton text={revealed.key} label="Copy key" />
          </div>
        )}
      </Dialog>
      <ConfirmDialog
        open={!!revoking}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        title={`Revoke "${revoking?.name}"?`}
        description="Anything using this key stops working immediately."
        confirmLabel="Revoke key"
        busy={revoke.isPending}
        error={<ErrorAlert error={revoke.error} />}
      />
    </Card>
  );
}

/**
 * What an API key may be given (the server's "key-grantable" permissions),
 * limited to what the creator holds. The server validates again.
 */
const KEY_PERMISSIONS: Record<string, string> = {
  'events:publish': 'Publish custom.* events to dashboards',
  'events:read': 'Read event history and activity',
  'plugins:invoke': 'Invoke plugin actions',
  'plugins:configure': "Change plugins' configuration",
  'plugins:read': 'See installed plugins',
  'jobs:run': 'Start, cancel and retry jobs',
  'jobs:read': 'See jobs and their progress',
  'members:read': 'List members',
  'org:read': 'See the organization',
};

function keyPermissionChoices(held: string[]): string[] {
  return Object.keys(KEY_PERMISSIONS).filter((p) => held.includes(p));
}

function CreateKeyDialog({ org, grantable, onClose, onCreated }: { org: string; grantable: string[]; onClose: () => void; onCreated: (k: CreatedApiKey) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [perms, setPerms] = useState<string[]>(() => keyPermissionChoices(grantable).slice(0, 1));
  const [submitted, setSubmitted] = useState(false);
  const create = useMutation({
    mutationFn: () => apiKeysApi.create(org, { name: name.trim(), permissions: perms }),
    onSuccess: async (k) => {
      await queryClient.invalidateQueries({ queryKey: qk.apiKeys(org) });
      onCreated(k);
    },
  });
  const field = errorField(create.error);
  const nameError = (submitted && !name.trim() ? 'Name the key after what will use it' : null) ?? (field === 'name' ? create.error?.message : null);
  const permError = (submitted && perms.length === 0 ? 'Choose at least one permission' : null) ?? (field === 'permissions' ? create.error?.message : null);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!name.trim() || perms.length === 0) return;
    create.mutate();
  };
  return (
    <Dialog open onClose={onClose} title="New API key">
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={nameError} placeholder="e.g. billing-service" data-autofocus required />
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Permissions</legend>
          <div className="grid gap-2 sm:grid-cols-2">
            {keyPermissionChoices(grantable).map((p) => (
              <Checkbox
                key={p}
                label={<span className="font-mono text-xs">{p}</span>}
                hint={KEY_PERMISSIONS[p]}
                checked={perms.includes(p)}
                onChange={(e) => setPerms((cur) => (e.target.checked ? [...cur, p] : cur.filter((x) => x !== p)))}
              />
            ))}
          </div>
          {permError && (
            <p role="alert" className="text-xs text-red-700">
              {permError}
            </p>
          )}
        </fieldset>
        {!field && <ErrorAlert error={create.error} />}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create key
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function DangerZone({ org, name }: { org: string; name: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const remove = useMutation({
    mutationFn: () => orgsApi.remove(org),
    onSuccess: async () => {
      if (localStorage.getItem(LAST_ORG_KEY) === org) localStorage.removeItem(LAST_ORG_KEY);
      queryClient.removeQueries({ queryKey: ['org', org] });
      await queryClient.invalidateQueries({ queryKey: qk.orgs });
      toast.success(`${name} was deleted`);
      navigate('/orgs');
    },
  });
  return (
    <Card title="Danger zone" className="border-red-200">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-600">Delete this organization, its members, plugins, jobs and event history. This cannot be undone.</p>
        <Button variant="danger" onClick={() => setOpen(true)}>
          Delete organization
        </Button>
      </div>
      <ConfirmDialog
        open={open}
        onClose={() => {
          setOpen(false);
          setTyped('');
          remove.reset();
        }}
        onConfirm={() => remove.mutate()}
        title={`Delete ${name}?`}
        description="Everything in it is removed for every member, right away."
        confirmLabel="Delete forever"
        busy={remove.isPending}
        confirmDisabled={typed !== org}
        error={<ErrorAlert error={remove.error} />}
      >
        <Alert kind="warning">Type the URL name <strong className="font-mono">{org}</strong> to confirm.</Alert>
        <TextField label="URL name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} data-autofocus />
      </ConfirmDialog>
    </Card>
  );
}
