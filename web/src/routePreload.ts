// Which page a URL opens, for the build's route preloader (vite.config.ts):
// the first page's chunk is fetched in parallel with the app's entry instead
// of after it has run. Keep in step with the router in App.tsx (a unit test
// checks every page has a pattern).

/** [pathname pattern, page module under src/pages] in match order. */
export const ROUTE_PAGES: ReadonlyArray<readonly [string, string]> = [
  ['^/sign-in/?$', 'SignIn'],
  ['^/register/?$', 'Register'],
  ['^/invite/[^/]+/?$', 'AcceptInvite'],
  ['^/orgs/?$', 'Orgs'],
  ['^/admin/?$', 'Admin'],
  ['^/o/[^/]+/?$', 'Dashboard'],
  ['^/o/[^/]+/monitoring/?$', 'Monitoring'],
  ['^/o/[^/]+/files/?$', 'Files'],
  ['^/o/[^/]+/analytics/?$', 'Analytics'],
  ['^/o/[^/]+/ml/?$', 'ML'],
  ['^/o/[^/]+/plugins/?$', 'Plugins'],
  ['^/o/[^/]+/members/?$', 'Members'],
  ['^/o/[^/]+/settings/?$', 'Settings'],
];

/** Pages a visitor without a session may see; anything else sends them to sign in. */
export const GUEST_PAGES = ['SignIn', 'Register'];

/**
 * The page the app will show first for `pathname`, given whether a session
 * is stored and the last org used (what `/` redirects to).
 */
export function firstPage(pathname: string, signedIn: boolean, lastOrg: string | null): string | null {
  let page: string | null = null;
  if (pathname === '/') page = signedIn ? (lastOrg ? 'Dashboard' : 'Orgs') : 'SignIn';
  else for (const [re, p] of ROUTE_PAGES) if (new RegExp(re).test(pathname)) page = page ?? p;
  if (page && !signedIn && !GUEST_PAGES.includes(page)) return 'SignIn';
  if (page && signedIn && GUEST_PAGES.includes(page)) return null; // redirected elsewhere
  return page;
}

/**
 * The preloader's source: a classic script (the server's CSP allows no
 * inline script) that runs `firstPage` and adds a modulepreload link for
 * each file of that page's chunk.
 */
export function preloaderSource(files: Record<string, string[]>, refreshKey: string, lastOrgKey: string): string {
  return `(function () {
  var files = ${JSON.stringify(files)};
  var routes = ${JSON.stringify(ROUTE_PAGES)};
  var guests = ${JSON.stringify(GUEST_PAGES)};
  ${firstPage.toString().replace(/\bROUTE_PAGES\b/g, 'routes').replace(/\bGUEST_PAGES\b/g, 'guests')}
  try {
    var page = firstPage(location.pathname, !!localStorage.getItem(${JSON.stringify(refreshKey)}), localStorage.getItem(${JSON.stringify(lastOrgKey)}));
    (files[page] || []).forEach(function (href) {
      var l = document.createElement('link');
      l.rel = 'modulepreload';
      l.crossOrigin = '';
      l.href = href;
      document.head.appendChild(l);
    });
  } catch (e) {
    /* storage unavailable: the app loads the page itself */
  }
})();
`;
}
