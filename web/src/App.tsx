import { Suspense } from 'react';
import { BrowserRouter, Navigate, Outlet, Route, Routes } from 'react-router-dom';
import { ErrorBoundary } from './components/ErrorBoundary';
import { GuestOnly, RequireAuth } from './components/RouteGuards';
import { Loading } from './components/ui/Spinner';
import { LAST_ORG_KEY } from './hooks/useOrg';
import { lazyPage } from './lib/lazyPage';
import { OrgLayout, PlainLayout } from './layouts';

// Every page is its own chunk: the first load carries the shell only.
export const pages = {
  SignIn: lazyPage(() => import('./pages/SignIn')),
  Register: lazyPage(() => import('./pages/Register')),
  AcceptInvite: lazyPage(() => import('./pages/AcceptInvite')),
  Orgs: lazyPage(() => import('./pages/Orgs')),
  Dashboard: lazyPage(() => import('./pages/Dashboard')),
  Monitoring: lazyPage(() => import('./pages/Monitoring')),
  Files: lazyPage(() => import('./pages/Files')),
  Analytics: lazyPage(() => import('./pages/Analytics')),
  ML: lazyPage(() => import('./pages/ML')),
  Plugins: lazyPage(() => import('./pages/Plugins')),
  Members: lazyPage(() => import('./pages/Members')),
  Settings: lazyPage(() => import('./pages/Settings')),
  Admin: lazyPage(() => import('./pages/Admin')),
  NotFound: lazyPage(() => import('./pages/NotFound')),
};
const { SignIn, Register, AcceptInvite, Orgs, Dashboard, Monitoring, Files, Analytics, ML, Plugins, Members, Settings, Admin, NotFound } = pages;

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

/**
 * The routes. Declarative routing (BrowserRouter + Routes) rather than a data
 * router: the app loads its data with React Query, and this keeps ~50 KB of
 * router code out of the first page.
 */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Bare />}>
          <Route path="/sign-in" element={<GuestOnly><SignIn /></GuestOnly>} />
          <Route path="/register" element={<GuestOnly><Register /></GuestOnly>} />
          <Route path="/invite/:token" element={<RequireAuth><AcceptInvite /></RequireAuth>} />
          <Route path="/" element={<RequireAuth><Home /></RequireAuth>} />
        </Route>
        <Route element={<RequireAuth><PlainLayout /></RequireAuth>}>
          <Route path="/orgs" element={<Orgs />} />
          <Route path="/admin" element={<Admin />} />
        </Route>
        <Route path="/o/:org" element={<RequireAuth><OrgLayout /></RequireAuth>}>
          <Route index element={<Dashboard />} />
          <Route path="monitoring" element={<Monitoring />} />
          <Route path="files" element={<Files />} />
          <Route path="analytics" element={<Analytics />} />
          <Route path="ml" element={<ML />} />
          <Route path="plugins" element={<Plugins />} />
          <Route path="members" element={<Members />} />
          <Route path="settings" element={<Settings />} />
          <Route path="*" element={<NotFound />} />
        </Route>
        <Route element={<Bare />}>
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
