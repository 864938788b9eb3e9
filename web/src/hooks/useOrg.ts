import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { orgsApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import type { OrgDetail, Permission } from '../api/types';

/** The org slug of the current route (`/o/:org/...`). */
export function useOrgSlug(): string {
  return useParams<{ org: string }>().org ?? '';
}

/** The current org with the caller's permissions; `can()` drives role-aware UI. */
export function useOrg() {
  const slug = useOrgSlug();
  const query = useQuery({ queryKey: qk.org(slug), queryFn: () => orgsApi.get(slug), enabled: !!slug });
  const org: OrgDetail | undefined = query.data;
  const permissions = org?.permissions ?? [];
  const can = (p: Permission) => permissions.includes(p);
  return { slug, org, can, ...query };
}

export const LAST_ORG_KEY = 'switchyard.last_org';
