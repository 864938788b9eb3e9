import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, Outlet, RouterProvider } from 'react-router-dom';
import { ErrorBoundary } from './components/ErrorBoundary';
import { GuestOnly, RequireAuth } from './components/RouteGuards';
import { Loading } from './components/ui/Spinner';
import { LAST_ORG_KEY } from './hooks/useOrg';
import { OrgLayout, PlainLayout } from './layouts';

// Every page is its own chunk: the first load carries the shell only.
const SignIn = lazy(() => import('./pages/SignIn'));
const Register = lazy(() => import('./pages/Register'));
const AcceptInvite = lazy(() => import('./pages/AcceptInvite'));
const Orgs = lazy(() => import('./pages/Orgs'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const Monitoring = lazy(() => import('./pages/Monitoring'));
const Plugins = lazy(() => import('./pages/Plugins'));
const Members = lazy(() => import('./pages/Members'));
const Settings = lazy(() => import('./pages/Settings'));
const Admin = lazy(() => import('./pages/Admin'));
const NotFound = lazy(() => import('./pages/NotFound'));

function Bare() {
  return (
    <ErrorBoundary>
      <Suspense fallback={<Loading />}>
        <Outlet />
      </Suspense>
    </ErrorBoundary>
  );
}

/** `/`: back to the last org this browser used, else the org list. */
function Home() {
  const last = localStorage.getItem(LAST_ORG_KEY);
  return <Navigate to={last ? `/o/${last}` : '/orgs'} replace />;
}

const router = createBrowserRouter([
  {
    element: <Bare />,
    children: [
      { path: '/sign-in', element: <GuestOnly><SignIn /></GuestOnly> },
      { path: '/register', element: <GuestOnly><Register /></GuestOnly> },
      { path: '/invite/:token', element: <RequireAuth><AcceptInvite /></RequireAuth> },
      { path: '/', element: <RequireAuth><Home /></RequireAuth> },
    ],
  },
  {
    element: <RequireAuth><PlainLayout /></RequireAuth>,
    children: [
      { path: '/orgs', element: <Orgs /> },
      { path: '/admin', element: <Admin /> },
    ],
  },
  {
    path: '/o/:org',
    element: <RequireAuth><OrgLayout /></RequireAuth>,
    children: [
      { index: true, element: <Dashboard /> },
      { path: 'monitoring', element: <Monitoring /> },
      { path: 'plugins', element: <Plugins /> },
      { path: 'members', element: <Members /> },
      { path: 'settings', element: <Settings /> },
      { path: '*', element: <NotFound /> },
    ],
  },
  { path: '*', element: <Bare />, children: [{ path: '*', element: <NotFound /> }] },
]);

export function App() {
  return <RouterProvider router={router} />;
}
