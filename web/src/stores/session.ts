import { create } from 'zustand';
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

export const useSession = create<SessionState>()((set, get) => ({
  status: 'loading',
  user: null,
  endedReason: null,

  async bootstrap() {
    if (!tokens.refreshToken()) {
      set({ status: 'signedOut' });
      return;
    }
    set({ status: 'loading' });
    const ok = await api.refresh();
    // onTokens (below) has set the user when the refresh worked; a refusal
    // went through expire(). Still holding a token means no answer came:
    // do not pretend the user is signed out, offer to retry.
    if (!ok && get().status === 'loading') set({ status: tokens.refreshToken() ? 'unreachable' : 'signedOut', user: null });
  },

  signIn(auth) {
    tokens.save(auth);
    set({ status: 'signedIn', user: auth.user, endedReason: null });
  },

  async signOut() {
    await api.logout();
    queryClient.clear();
    set({ status: 'signedOut', user: null, endedReason: 'signedOut' });
  },

  setUser(user) {
    set({ user });
  },

  expire() {
    tokens.clear();
    queryClient.clear();
    set({ status: 'signedOut', user: null, endedReason: 'expired' });
  },
}));

// Wire the API client to the store once, at module load.
api.onSessionExpired = () => useSession.getState().expire();
api.onTokens = (auth) => {
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
      queryClient.clear();
      useSession.setState({ status: 'signedOut', user: null, endedReason: 'signedOut' });
    }
  });
}
