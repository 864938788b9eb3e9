import { describe, expect, it } from 'vitest';
import { firstPage, preloaderSource, ROUTE_PAGES } from './routePreload';

describe('route preloader', () => {
  it('maps URLs to the page the app shows first', () => {
    expect(firstPage('/', false, null)).toBe('SignIn');
    expect(firstPage('/', true, 'acme')).toBe('Dashboard');
    expect(firstPage('/', true, null)).toBe('Orgs');
    expect(firstPage('/o/acme', true, null)).toBe('Dashboard');
    expect(firstPage('/o/acme/monitoring', true, null)).toBe('Monitoring');
    expect(firstPage('/o/acme/monitoring', false, null)).toBe('SignIn');
    expect(firstPage('/o/acme/files', true, null)).toBe('Files');
    expect(firstPage('/o/acme/analytics', true, null)).toBe('Analytics');
    expect(firstPage('/o/acme/ml', true, null)).toBe('ML');
    expect(firstPage('/sign-in', true, null)).toBeNull();
    expect(firstPage('/nowhere', true, null)).toBeNull();
  });

  it('has a pattern for every routed page', () => {
    const pages = Object.keys(import.meta.glob('./pages/*.tsx'))
      .map((f) => f.replace('./pages/', '').replace('.tsx', ''))
      .filter((p) => !['NotFound', 'AuthLayout'].includes(p));
    expect(ROUTE_PAGES.map(([, p]) => p).sort()).toEqual(pages.sort());
  });

  it('emits a script that adds modulepreload links for the page being opened', () => {
    const src = preloaderSource({ Monitoring: ['/assets/Monitoring-x.js', '/assets/shared-y.js'] }, 'rt', 'lo');
    const links: Array<{ rel: string; href: string; crossOrigin: string | null }> = [];
    const doc = {
      createElement: () => ({ rel: '', href: '', crossOrigin: null }),
      head: { appendChild: (l: (typeof links)[number]) => links.push(l) },
    };
    const store = new Map([['rt', 'token']]);
    new Function('location', 'localStorage', 'document', src)({ pathname: '/o/acme/monitoring' }, { getItem: (k: string) => store.get(k) ?? null }, doc);
    expect(links.map((l) => [l.rel, l.href, l.crossOrigin])).toEqual([
      ['modulepreload', '/assets/Monitoring-x.js', ''],
      ['modulepreload', '/assets/shared-y.js', ''],
    ]);
  });
});
