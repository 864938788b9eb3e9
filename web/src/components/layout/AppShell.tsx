import { useEffect, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router-dom';
import { useSession } from '../../stores/session';
import { ConnectionBadge } from '../ConnectionBadge';
import { NotificationCenter } from '../NotificationCenter';
import { Toaster } from '../Toaster';
import { Icon, type IconName } from '../ui/Icon';
import { cx } from '../ui/cx';
import { OrgSwitcher } from './OrgSwitcher';
import { UserMenu } from './UserMenu';

interface NavItem {
  to: string;
  label: string;
  icon: IconName;
  end?: boolean;
}

function orgNav(org: string): NavItem[] {
  const base = `/o/${org}`;
  return [
    { to: base, label: 'Dashboard', icon: 'home', end: true },
    { to: `${base}/monitoring`, label: 'Monitoring', icon: 'activity' },
    { to: `${base}/files`, label: 'Files', icon: 'folder' },
    { to: `${base}/analytics`, label: 'Analytics', icon: 'chart' },
    { to: `${base}/ml`, label: 'ML', icon: 'brain' },
    { to: `${base}/plugins`, label: 'Plugins', icon: 'puzzle' },
    { to: `${base}/members`, label: 'Members', icon: 'users' },
    { to: `${base}/settings`, label: 'Settings', icon: 'settings' },
  ];
}

/**
 * Top bar (org switcher, connection badge, bell, account) and side navigation.
 * Under 768 px the navigation becomes a drawer behind a menu button.
 */
export function AppShell({ org, children }: { org?: string; children: ReactNode }) {
  const user = useSession((s) => s.user);
  const [drawer, setDrawer] = useState(false);
  const location = useLocation();
  useEffect(() => setDrawer(false), [location.pathname]);
  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setDrawer(false);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [drawer]);

  const items = org ? orgNav(org) : [];
  const nav = (
    <nav aria-label="Main" className="flex flex-col gap-0.5 p-3">
      {items.map((item) => (
        <NavLink
          key={item.to}
          to={item.to}
          end={item.end}
          className={({ isActive }) =>
            cx(
              'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium',
              isActive ? 'bg-brand-50 text-brand-700' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
            )
          }
        >
          <Icon name={item.icon} className="h-[18px] w-[18px]" />
          {item.label}
        </NavLink>
      ))}
      {!org && (
        <NavLink to="/orgs" className="flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100">
          <Icon name="users" className="h-[18px] w-[18px]" /> Organizations
        </NavLink>
      )}
      {user?.platform_admin && (
        <>
          <p className="mt-4 px-3 pb-1 text-xs font-medium tracking-wide text-slate-400 uppercase">Platform</p>
          <NavLink
            to="/admin"
            className={({ isActive }) =>
              cx(
                'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium',
                isActive ? 'bg-brand-50 text-brand-700' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
              )
            }
          >
            <Icon name="shield" className="h-[18px] w-[18px]" /> Admin
          </NavLink>
        </>
      )}
    </nav>
  );

  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-[70] focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/95 px-3 backdrop-blur sm:px-4">
        <button
          type="button"
          className="rounded-md p-2 text-slate-600 hover:bg-slate-100 md:hidden"
          aria-label="Open navigation"
          aria-expanded={drawer}
          aria-controls="sidebar"
          onClick={() => setDrawer((d) => !d)}
        >
          <Icon name="menu" />
        </button>
        <Link to={org ? `/o/${org}` : '/'} className="hidden items-center gap-2 pr-2 font-semibold tracking-tight text-slate-900 sm:flex">
          <Logo /> Switchyard
        </Link>
        <OrgSwitcher current={org} />
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          {org && <ConnectionBadge />}
          {org && <NotificationCenter org={org} />}
          <UserMenu />
        </div>
      </header>
      <div className="flex min-h-[calc(100vh-3.5rem)]">
        <aside id="sidebar" className="hidden w-56 shrink-0 border-r border-slate-200 bg-white md:block">
          <div className="sticky top-14 max-h-[calc(100vh-3.5rem)] overflow-y-auto">{nav}</div>
        </aside>
        {drawer && (
          <div className="fixed inset-0 top-14 z-20 md:hidden">
            <div className="absolute inset-0 bg-slate-900/30" onClick={() => setDrawer(false)} aria-hidden="true" />
            <aside className="relative h-full w-64 bg-white shadow-xl">{nav}</aside>
          </div>
        )}
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-3 py-5 sm:px-6 lg:px-8">
          {children}
        </main>
      </div>
      <Toaster />
    </div>
  );
}

export function Logo({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={cx('h-7 w-7', className)} aria-hidden="true">
      <rect width="32" height="32" rx="8" className="fill-brand-600" />
      <path d="M8 20h6l4-8h6M8 12h6m4 8h6" stroke="white" strokeWidth="2.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
