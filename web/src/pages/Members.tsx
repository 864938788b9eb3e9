import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorField } from '../api/errors';
import { invitationsApi, membersApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import type { Invitation, Member, Role } from '../api/types';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { CopyButton } from '../components/ui/CopyButton';
import { ConfirmDialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { SelectField, TextField } from '../components/ui/Field';
import { Loading } from '../components/ui/Spinner';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { assignableRoles, invitableRoles, removeBlocker, roleHelp, roleLabel, type Actor } from '../lib/roles';
import { useSession } from '../stores/session';
import { toast } from '../stores/toasts';

export default function Members() {
  const { slug, org, can } = useOrg();
  const user = useSession((s) => s.user);
  const members = useQuery({ queryKey: qk.members(slug), queryFn: () => membersApi.list(slug) });
  const canInvite = can('members:invite');
  const actor: Actor | null =
    org && user ? { userId: user.id, role: org.role, canUpdateMembers: can('members:update'), canRemoveMembers: can('members:remove') } : null;

  return (
    <div className="mx-auto max-w-5xl space-y-6">
      <PageHeader title="Members" description="Who can see and change this organization." />
      {canInvite && org && <InviteCard org={slug} actorRole={org.role} />}
      <Card title="Members" bodyClassName="p-0" description={members.data ? `${members.data.items.length} in this organization` : undefined}>
        {members.isLoading || !actor ? (
          <Loading />
        ) : members.error ? (
          <div className="p-4">
            <ErrorAlert error={members.error} />
          </div>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Members">
            {(members.data?.items ?? []).map((m) => (
              <MemberRow key={m.user_id} org={slug} member={m} members={members.data?.items ?? []} actor={actor} />
            ))}
          </ul>
        )}
      </Card>
      {canInvite && <PendingInvitations org={slug} />}
    </div>
  );
}

function MemberRow({ org, member, members, actor }: { org: string; member: Member; members: Member[]; actor: Actor }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const self = member.user_id === actor.userId;
  const roles = assignableRoles(actor, member, members);
  const blocker = removeBlocker(actor, member, members);

  const setRole = useMutation({
    mutationFn: (role: Role) => membersApi.setRole(org, member.user_id, role),
    onSuccess: async (_r, role) => {
      await queryClient.invalidateQueries({ queryKey: qk.members(org) });
      // Changing one's own role changes one's permissions.
      if (self) await queryClient.invalidateQueries({ queryKey: qk.org(org) });
      toast.success(`${member.name || member.email} is now ${roleLabel[role].toLowerCase()}`);
    },
  });
  const remove = useMutation({
    mutationFn: () => membersApi.remove(org, member.user_id),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: qk.members(org) });
      toast.success(`${member.name || member.email} was removed`);
    },
  });

  return (
    <li className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid="member-row">
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium text-slate-900">
          {member.name || member.email} {self && <span className="text-xs font-normal text-slate-500">(you)</span>}
        </p>
        <p className="truncate text-xs text-slate-500">{member.email}</p>
      </div>
      <div className="flex items-center gap-2">
        {roles.length > 1 ? (
          <label>
            <span className="sr-only">Role of {member.name || member.email}</span>
            <select
              value={member.role}
              disabled={setRole.isPending}
              onChange={(e) => setRole.mutate(e.target.value as Role)}
              className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm"
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleLabel[r]}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <Badge tone={member.role === 'owner' ? 'violet' : 'slate'}>{roleLabel[member.role] ?? member.role}</Badge>
        )}
        {!blocker && (
          <Button size="sm" variant="dangerGhost" onClick={() => setConfirming(true)} aria-label={`Remove ${member.name || member.email}`}>
            {self ? 'Leave' : 'Remove'}
          </Button>
        )}
      </div>
      {setRole.error && <ErrorAlert error={setRole.error} className="w-full" />}
      <ConfirmDialog
        open={confirming}
        onClose={() => {
          setConfirming(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate()}
        title={self ? 'Leave this organization?' : `Remove ${member.name || member.email}?`}
        description={self ? 'You lose access right away.' : 'They lose access right away, and their open dashboards disconnect.'}
        confirmLabel={self ? 'Leave' : 'Remove'}
        busy={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </li>
  );
}

function InviteCard({ org, actorRole }: { org: string; actorRole: Role }) {
  const queryClient = useQueryClient();
  const roles = invitableRoles(actorRole);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>(roles.includes('member') ? 'member' : roles[roles.length - 1]);
  const [submitted, setSubmitted] = useState(false);
  const [created, setCreated] = useState<Invitation | null>(null);

  const invite = useMutation({
    mutationFn: () => invitationsApi.create(org, { email: email.trim(), role }),
    onSuccess: async (inv) => {
      setCreated(inv);
      setEmail('');
      setSubmitted(false);
      await queryClient.invalidateQueries({ queryKey: qk.invitations(org) });
    },
  });

  const emailOk = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
  const field = errorField(invite.error);
  const emailError = (submitted && !emailOk ? 'Enter an email address' : null) ?? (field === 'email' ? invite.error?.message : null);
  const roleError = field === 'role' ? invite.error?.message : null;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setCreated(null);
    if (!emailOk) return;
    invite.mutate();
  };
  const link = created?.accept_url || (created?.token ? `${location.origin}/invite/${created.token}` : null);

  return (
    <Card title="Invite a teammate" description="They join with the role you choose after signing in with this email.">
      <form onSubmit={onSubmit} noValidate className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_12rem_auto] sm:items-start">
        <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={emailError} autoComplete="off" required />
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          options={roles.map((r) => ({ value: r, label: roleLabel[r] }))}
          hint={roleHelp[role]}
          error={roleError}
        />
        <Button type="submit" loading={invite.isPending} className="sm:mt-6">
          Send invite
        </Button>
      </form>
      {!field && <ErrorAlert error={invite.error} className="mt-3" />}
      {created && (
        <div className="mt-4 space-y-2 rounded-md border border-emerald-200 bg-emerald-50 p-3" role="status">
          <p className="text-sm text-emerald-900">
            Invitation for <strong>{created.email}</strong> as {roleLabel[created.role]} created.
            {link && ' Share this link with them:'}
          </p>
          {link && (
            <div className="flex flex-wrap items-center gap-2">
              <code className="min-w-0 flex-1 truncate rounded bg-white px-2 py-1 text-xs" data-testid="invite-link">
                {link}
              </code>
              <CopyButton text={link} label="Copy link" />
            </div>
          )}
        </div>
      )}
    </Card>
  );
}

function PendingInvitations({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const now = useNow(60_000);
  const invitations = useQuery({ queryKey: qk.invitations(org), queryFn: () => invitationsApi.list(org) });
  const revoke = useMutation({
    mutationFn: (id: string) => invitationsApi.revoke(org, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.invitations(org) }),
    onError: (err) => toast.error('Could not revoke the invitation', (err as Error).message),
  });
  const items = invitations.data?.items ?? [];
  return (
    <Card title="Pending invitations" bodyClassName="p-0">
      {invitations.isLoading ? (
        <Loading />
      ) : invitations.error ? (
        <div className="p-4">
          <ErrorAlert error={invitations.error} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No pending invitations" />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Pending invitations">
          {items.map((inv) => {
            const expires = Date.parse(inv.expires_at);
            return (
              <li key={inv.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
                <div className="min-w-0 flex-1">
                  <p className="truncate text-sm text-slate-900">{inv.email}</p>
                  <p className="text-xs text-slate-500">{expires < now ? 'Expired' : `Expires ${new Date(expires).toLocaleDateString()}`}</p>
                </div>
                <Badge>{roleLabel[inv.role] ?? inv.role}</Badge>
                <Button size="sm" variant="dangerGhost" onClick={() => revoke.mutate(inv.id)} loading={revoke.isPending && revoke.variables === inv.id}>
                  Revoke
                </Button>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
