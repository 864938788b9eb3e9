import { api, orgPath } from './instance';
import type {
  AcceptInvitationResult,
  ApiKey,
  CreatedApiKey,
  CreateOrgInput,
  Invitation,
  Member,
  Org,
  OrgDetail,
  Page,
  Role,
} from './types';

export const orgsApi = {
  list: () => api.get<Page<Org>>('/orgs', { limit: 100 }),
  get: (slug: string) => api.get<OrgDetail>(orgPath(slug)),
  create: (input: CreateOrgInput) => api.post<Org>('/orgs', input),
  update: (slug: string, input: { name: string }) => api.patch<Org>(orgPath(slug), input),
  remove: (slug: string) => api.delete(orgPath(slug)),
};

export const membersApi = {
  list: (slug: string) => api.get<Page<Member>>(orgPath(slug, '/members'), { limit: 200 }),
  setRole: (slug: string, userId: string, role: Role) =>
    api.patch<Member>(orgPath(slug, `/members/${encodeURIComponent(userId)}`), { role }),
  remove: (slug: string, userId: string) => api.delete(orgPath(slug, `/members/${encodeURIComponent(userId)}`)),
};

export const invitationsApi = {
  list: (slug: string) => api.get<Page<Invitation>>(orgPath(slug, '/invitations'), { limit: 200 }),
  create: (slug: string, input: { email: string; role: Role }) =>
    api.post<Invitation>(orgPath(slug, '/invitations'), input),
  revoke: (slug: string, id: string) => api.delete(orgPath(slug, `/invitations/${encodeURIComponent(id)}`)),
  accept: (token: string) =>
    api.post<AcceptInvitationResult>(`/invitations/${encodeURIComponent(token)}/accept`),
};

export const apiKeysApi = {
  list: (slug: string) => api.get<Page<ApiKey>>(orgPath(slug, '/api-keys'), { limit: 200 }),
  create: (slug: string, input: { name: string; permissions: string[] }) =>
    api.post<CreatedApiKey>(orgPath(slug, '/api-keys'), input),
  revoke: (slug: string, id: string) => api.delete(orgPath(slug, `/api-keys/${encodeURIComponent(id)}`)),
};
