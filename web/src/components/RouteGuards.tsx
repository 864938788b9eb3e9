import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useSession } from '../stores/session';
import { Button } from './ui/Button';
import { Loading } from './ui/Spinner';

function Unreachable() {
  const bootstrap = useSession((s) => s.bootstrap);
  return (
    <div role="alert" className="mx-auto max-w-md px-4 py-24 text-center">
      <h1 className="text-lg font-semibold">Can't reach Switchyard</h1>
      <p className="mt-2 text-sm text-slate-500">The server did not answer. Your session is kept; try again in a moment.</p>
      <Button className="mt-6" onClick={() => void bootstrap()}>
        Try again
      </Button>
    </div>
  );
}

/** Renders children for a signed-in user; otherwise sends them to sign in and back. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const status = useSession((s) => s.status);
  const location = useLocation();
  if (status === 'loading') return <Loading label="Restoring your session…" />;
  if (status === 'unreachable') return <Unreachable />;
  if (status === 'signedOut') {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

/** Sign-in and register pages bounce a signed-in user to where they were going. */
export function GuestOnly({ children }: { children: ReactNode }) {
  const status = useSession((s) => s.status);
  const location = useLocation();
  if (status === 'loading') return <Loading label="Restoring your session…" />;
  if (status === 'unreachable') return <Unreachable />;
  if (status === 'signedIn') {
    const next = new URLSearchParams(location.search).get('next');
    return <Navigate to={safeNext(next)} replace />;
  }
  return <>{children}</>;
}

/** Only same-app paths: never bounce to another origin from a query string. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
