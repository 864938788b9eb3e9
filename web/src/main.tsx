import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { tokens } from './api/instance';
import { orgsApi } from './api/orgs';
import { qk } from './api/queryKeys';
import { REFRESH_TOKEN_KEY } from './api/tokens';
import { App, pages } from './App';
import { LAST_ORG_KEY } from './hooks/useOrg';
import './index.css';
import { queryClient } from './queryClient';
import { firstPage } from './routePreload';
import { useSession } from './stores/session';

// Restore the session before the first protected page asks for data: with
// this tab's access token it is immediate (the guards show a spinner
// otherwise, while the refresh token is exchanged).
void useSession.getState().bootstrap();

// What the first page needs, fetched in parallel with each other: its chunk
// (already downloading, see routePreload.ts) and, for an org page, the org.
const signedIn = !!localStorage.getItem(REFRESH_TOKEN_KEY);
const page = firstPage(location.pathname, signedIn, localStorage.getItem(LAST_ORG_KEY)) as keyof typeof pages | null;
const org = /^\/o\/([^/]+)/.exec(location.pathname)?.[1];
if (org && tokens.accessToken()) {
  const slug = decodeURIComponent(org);
  void queryClient.prefetchQuery({ queryKey: qk.org(slug), queryFn: () => orgsApi.get(slug) });
}

function render() {
  createRoot(document.getElementById('root')!, {
    // An error an ErrorBoundary caught is handled (it shows why and offers a
    // reload); the boundary logs it as a warning.
    onCaughtError: () => {},
  }).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}

// Render once the first page's code is in, so it paints in the first pass
// instead of after a fallback; never wait long for it (a slow or failed
// chunk falls back to the normal lazy path).
const ready = page && pages[page] ? pages[page].preload().catch(() => {}) : Promise.resolve();
void Promise.race([ready, new Promise((r) => setTimeout(r, 1_500))]).then(render);
