import { describe, expect, it } from 'vitest';
import type { Member, Role } from '../api/types';
import { assignableRoles, invitableRoles, removeBlocker, type Actor } from './roles';

const m = (user_id: string, role: Role): Member => ({ user_id, role, email: `${user_id}@x`, name: user_id, joined_at: '' });
const actor = (userId: string, role: Role, can = true): Actor => ({
  userId,
  role,
  canUpdateMembers: can,
  canRemoveMembers: can,
});

describe('membership rules', () => {
  const members = [m('o1', 'owner'), m('a1', 'admin'), m('u1', 'member'), m('v1', 'viewer')];

  it('an owner can grant any role to others', () => {
    expect(assignableRoles(actor('o1', 'owner'), members[2], members)).toEqual(['owner', 'admin', 'member', 'viewer']);
  });

  it('an admin cannot change an owner nor grant owner', () => {
    expect(assignableRoles(actor('a1', 'admin'), members[0], members)).toEqual(['owner']);
    expect(assignableRoles(actor('a1', 'admin'), members[2], members)).toEqual(['admin', 'member', 'viewer']);
    expect(removeBlocker(actor('a1', 'admin'), members[0], members)).toMatch(/Only an owner/);
  });

  it('nobody raises their own role', () => {
    expect(assignableRoles(actor('a1', 'admin'), members[1], members)).toEqual(['admin', 'member', 'viewer']);
    const two = [...members, m('o2', 'owner')];
    expect(assignableRoles(actor('a1', 'admin'), two[1], two)).not.toContain('owner');
  });

  it('the last owner can neither be demoted nor removed', () => {
    expect(assignableRoles(actor('o1', 'owner'), members[0], members)).toEqual(['owner']);
    expect(removeBlocker(actor('o1', 'owner'), members[0], members)).toMatch(/at least one owner/);
    const two = [...members, m('o2', 'owner')];
    expect(assignableRoles(actor('o1', 'owner'), two[0], two)).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(removeBlocker(actor('o1', 'owner'), two[4], two)).toBeNull();
  });

  it('without the permission nothing is offered', () => {
    expect(assignableRoles(actor('v1', 'viewer', false), members[2], members)).toEqual(['member']);
    expect(removeBlocker(actor('v1', 'viewer', false), members[2], members)).not.toBeNull();
  });

  it('invitations follow the same ceiling', () => {
    expect(invitableRoles('admin')).toEqual(['admin', 'member', 'viewer']);
    expect(invitableRoles('owner')).toEqual(['owner', 'admin', 'member', 'viewer']);
  });
});
