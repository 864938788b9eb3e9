import type { Member, Role } from '../api/types';

// Mirrors of the server's membership rules, used to hide or disable what the
// server would refuse anyway. The server stays the authority: these never
// grant anything, they only spare the user a 403.

const rank: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const roleLabel: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
};

export const roleHelp: Record<Role, string> = {
  owner: 'Full control, including deleting the organization',
  admin: 'Manage members, plugins, API keys and settings',
  member: 'Use plugins and run jobs',
  viewer: 'Read-only access to dashboards',
};

export interface Actor {
  userId: string;
  role: Role;
  canUpdateMembers: boolean;
  canRemoveMembers: boolean;
}

const ownerCount = (members: Member[]) => members.filter((m) => m.role === 'owner').length;

/** Roles the actor may give `target` (the target's current role included). */
export function assignableRoles(actor: Actor, target: Member, members: Member[]): Role[] {
  if (!actor.canUpdateMembers) return [target.role];
  const self = target.user_id === actor.userId;
  // An admin can neither touch an owner nor make one.
  if (actor.role !== 'owner' && target.role === 'owner') return [target.role];
  // The last owner stays an owner.
  if (target.role === 'owner' && ownerCount(members) <= 1) return ['owner'];
  const ceiling = rank[actor.role];
  return (['owner', 'admin', 'member', 'viewer'] as Role[]).filter((r) => {
    if (r === target.role) return true;
    if (r === 'owner' && actor.role !== 'owner') return false;
    // Nobody raises their own role; others up to the actor's own rank.
    if (self) return rank[r] < rank[target.role];
    return rank[r] <= ceiling;
  });
}

export function canChangeRole(actor: Actor, target: Member, members: Member[]): boolean {
  return assignableRoles(actor, target, members).length > 1;
}

/** Why the actor cannot remove `target`, or null when they can. */
export function removeBlocker(actor: Actor, target: Member, members: Member[]): string | null {
  if (!actor.canRemoveMembers) return 'You cannot remove members';
  if (target.role === 'owner' && actor.role !== 'owner') return 'Only an owner can remove an owner';
  if (target.role === 'owner' && ownerCount(members) <= 1) return 'An organization needs at least one owner';
  return null;
}

/** Roles an invitation may carry: an admin cannot invite an owner. */
export function invitableRoles(actorRole: Role): Role[] {
  return (['owner', 'admin', 'member', 'viewer'] as Role[]).filter(
    (r) => (r !== 'owner' || actorRole === 'owner') && rank[r] <= rank[actorRole],
  );
}
