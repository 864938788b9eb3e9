import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../api/errors';
import { invitationsApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import { Alert } from '../components/ui/Alert';
import { buttonClasses } from '../components/ui/Button';
import { Spinner } from '../components/ui/Spinner';
import { roleLabel } from '../lib/roles';
import { useSession } from '../stores/session';
import { AuthLayout } from './AuthLayout';

/**
 * /invite/:token: accepted automatically once signed in (RequireAuth brings
 * the user back here after sign-in or registration). The token is single-use,
 * so the request is made exactly once even under StrictMode's double effects.
 */
export default function AcceptInvite() {
  const { token = '' } = useParams();
  const user = useSession((s) => s.user);
  const queryClient = useQueryClient();
  const started = useRef(false);
  const accept = useMutation({
    mutationFn: () => invitationsApi.accept(token),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.orgs }),
  });

  const { mutate } = accept;
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    mutate();
  }, [mutate]);

  const orgSlug = accept.data?.org.slug ?? null;
  const orgName = accept.data?.org.name ?? orgSlug;
  const err = accept.error instanceof ApiError ? accept.error : null;

  return (
    <AuthLayout title="Invitation">
      {accept.isPending || accept.isIdle ? (
        <Spinner label="Accepting invitation…" />
      ) : accept.isSuccess && orgSlug ? (
        <div className="space-y-4">
          <Alert kind="success" title={`You joined ${orgName}`}>
            Your role is {roleLabel[accept.data.role] ?? accept.data.role}.
          </Alert>
          <Link to={`/o/${orgSlug}`} className={buttonClasses('primary', 'md', 'w-full')}>
            Open dashboard
          </Link>
        </div>
      ) : (
        <div className="space-y-4">
          <Alert title="This invitation cannot be used">
            {err?.status === 403
              ? `It was sent to a different email address than ${user?.email ?? 'yours'}. Sign in with the invited address.`
              : err?.status === 404 || err?.status === 410
                ? 'It was already used, revoked, or has expired. Ask for a new one.'
                : (accept.error as Error | null)?.message}
          </Alert>
          <Link to="/" className="block text-center text-sm font-medium text-brand-700 hover:underline">
            Go to your dashboard
          </Link>
        </div>
      )}
    </AuthLayout>
  );
}
