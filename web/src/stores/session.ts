import { create } from 'zustand';
import { authApi } from '../api/auth';
import { ApiError } from '../api/errors';
import { api, tokens } from '../api/instance';
import { REFRESH_TOKEN_KEY } from '../api/tokens';
import type { AuthResponse, User } from '../api/types';
import { queryClient } from '../queryClient';

/** `unreachable`: a stored session could not be checked because the server did not answer. */
export type SessionStatus = 'loading' | 'signedOut' | 'signedIn' | 'unreachable';

interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** Why the last session ended, for the sign-in page. */
  endedReason: 'expired' | 'signedOut' | null;
  /** Restore the session from the stored refresh token, if any. */
  bootstrap(): Promise<void>;
  signIn(auth: AuthResponse): void;
  signOut(): Promise<void>;
  setUser(user: User): void;
  /** The server refused our refresh token: drop everything local. */
  expire(): void;
}

/**
 * This tab's signed-in user, kept next to its access token in sessionStorage
 * (tokens.ts says why that store): a reload renders the app at once with it
 * while GET /me confirms it in the background. It is the user's own name and
 * email, nothing secret.
 */
const USER_KEY = 'switchyard.user';

function cachedUser(): User | null {
  try {
    const raw = sessionStorage.getItem(USER_KEY);
    const u = raw ? (JSON.parse(raw) as User) : null;
    return u && typeof u.id === 'string' ? u : null;
  } catch {
    return null;
  }
}

function cacheUser(user: User | null): void {
  try {
    if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    else sessionStorage.removeItem(USER_KEY);
  } catch {
    // No storage: the next reload asks /me first.
  }
}

export const useSession = create<SessionState>()((set, get) => ({
  status: 'loading',
  user: null,
  endedReason: null,

  async bootstrap() {
    if (!tokens.refreshToken()) {
      cacheUser(null);
      set({ status: 'signedOut' });
      return;
    }
    // A reload keeps this tab's access token (sessionStorage): with it and the
    // user it belongs to, the app renders right away; /me confirms in the
    // background. Either way no refresh token is spent unless the server
    // refuses the access token (or it is about to expire).
    const cached = tokens.accessToken() ? cachedUser() : null;
    set(cached ? { status: 'signedIn', user: cached } : { status: 'loading' });
    try {
      const user = await authApi.me();
      cacheUser(user);
      if (get().status === 'loading' || get().user?.id !== user.id || get().user?.name !== user.name) {
        set({ status: 'signedIn', user, endedReason: null });
      }
      return;
    } catch (err) {
      // A refusal of the refresh token went through expire(). Still holding
      // a token means no answer came: do not pretend the user is signed
      // out, offer to retry.
      if (get().status !== 'loading') return;
      const network = err instanceof ApiError && (err.isNetwork || err.status >= 500);
      set({ status: tokens.refreshToken() && network ? 'unreachable' : 'signedOut', user: null });
    }
  },

  signIn(auth) {
    tokens.save(auth);
    cacheUser(auth.user);
    set({ status: 'signedIn', user: auth.user, endedReason: null });
  },

  async signOut() {
    await api.logout();
    cacheUser(null);
    queryClient.clear();
    set({ status: 'signedOut', user: null, endedReason: 'signedOut' });
  },

  setUser(user) {
    cacheUser(user);
    set({ user });
  },

  expire() {
    tokens.clear();
    cacheUser(null);
    queryClient.clear();
    set({ status: 'signedOut', user: null, endedReason: 'expired' });
  },
}));

// Wire the API client to the store once, at module load.
api.onSessionExpired = () => useSession.getState().expire();
api.onTokens = (auth) => {
  if (auth.user) cacheUser(auth.user);
  const s = useSession.getState();
  if (s.status !== 'signedIn' || s.user?.id !== auth.user?.id) {
    useSession.setState({ status: 'signedIn', user: auth.user ?? s.user });
  }
};

// Another tab signed out (it removed the shared refresh token): follow it.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === REFRESH_TOKEN_KEY && e.newValue === null && useSession.getState().status === 'signedIn') {
      tokens.clear();
      cacheUser(null);
      queryClient.clear();
      useSession.setState({ status: 'signedOut', user: null, endedReason: 'signedOut' });
    }
  });
}
