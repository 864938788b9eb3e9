import { Suspense, useEffect } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { ApiError } from './api/errors';
import { ErrorBoundary } from './components/ErrorBoundary';
import { AppShell } from './components/layout/AppShell';
import { Alert } from './components/ui/Alert';
import { Loading } from './components/ui/Spinner';
import { RealtimeProvider } from './hooks/RealtimeProvider';
import { useNotificationToasts } from './hooks/useNotificationToasts';
import { LAST_ORG_KEY, useOrg } from './hooks/useOrg';

/** Everything under /o/:org: one realtime connection for the org, the shell, the page. */
export function OrgLayout() {
  const { slug, org, error, isLoading } = useOrg();
  const location = useLocation();
  const suspended = error instanceof ApiError && error.code === 'org_suspended';
  const notFound = !suspended && error instanceof ApiError && (error.status === 404 || error.status === 403);
  useEffect(() => {
    if (org) localStorage.setItem(LAST_ORG_KEY, org.slug);
    // Do not send "/" back to an org we lost access to.
    else if (notFound && localStorage.getItem(LAST_ORG_KEY) === slug) localStorage.removeItem(LAST_ORG_KEY);
  }, [org, notFound, slug]);
  return (
    <RealtimeProvider org={slug} enabled={!!org && !org.suspended && !error}>
      <AppShell org={slug}>
        {org && <NotificationToasts />}
        {isLoading ? (
          <Loading />
        ) : suspended ? (
          <div className="mx-auto max-w-md py-16 text-center" data-testid="org-suspended">
            <h1 className="text-lg font-semibold">This organization is suspended</h1>
            <p className="mt-2 text-sm text-slate-500">
              A platform administrator suspended it: its data and live updates are unavailable until it is resumed.
            </p>
            <Link to="/orgs" className="mt-6 inline-block text-sm font-medium text-brand-700 hover:underline">
              See your organizations
            </Link>
          </div>
        ) : notFound ? (
          <div className="mx-auto max-w-md py-16 text-center">
            <h1 className="text-lg font-semibold">Organization not found</h1>
            <p className="mt-2 text-sm text-slate-500">It does not exist, or you are not a member of it.</p>
            <Link to="/orgs" className="mt-6 inline-block text-sm font-medium text-brand-700 hover:underline">
              See your organizations
            </Link>
          </div>
        ) : error ? (
          <Alert title="Could not load this organization">{(error as Error).message}</Alert>
        ) : (
          <>
            {/* Keyed by org: page state (live feed, charts) never leaks into another org. */}
            <ErrorBoundary key={slug} resetKey={location.pathname}>
              <Suspense fallback={<Loading />}>
                <Outlet />
              </Suspense>
            </ErrorBoundary>
          </>
        )}
      </AppShell>
    </RealtimeProvider>
  );
}

function NotificationToasts() {
  useNotificationToasts();
  return null;
}

/** Pages outside any org (org list, admin): the shell without a live connection. */
export function PlainLayout() {
  const location = useLocation();
  return (
    <AppShell>
      <ErrorBoundary resetKey={location.pathname}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </ErrorBoundary>
    </AppShell>
  );
}
