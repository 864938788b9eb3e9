import type { AuthResponse } from './types';

/**
 * Where the session's tokens live.
 *
 * Tradeoff (deliberate): the short-lived access token stays in memory only, so
 * an XSS payload cannot lift it from storage after the fact, and it never
 * outlives the tab. The refresh token is in localStorage so a reload or a new
 * tab keeps the session; that means script running in our origin could read
 * it. An httpOnly cookie would avoid that, but the API contract hands the
 * refresh token to the client in JSON and rotates it on every use, and reuse
 * of an old one revokes the whole family — which bounds the damage of a
 * stolen token to one use before the real client notices and is signed out.
 * localStorage is also the one store shared by tabs, which the cross-tab
 * refresh coordination in client.ts relies on.
 *
 * Known hazard of memory-only access tokens with rotation: every page load
 * spends the refresh token. If the page is left while that refresh is in
 * flight, the server has rotated but the browser never stored the successor,
 * and the next load presents a used token (which revokes the family). A
 * short server-side reuse grace period closes this; see the web report.
 */
export interface TokenStore {
  accessToken(): string | null;
  /** Epoch ms after which the access token should be treated as expired. */
  accessExpiresAt(): number;
  refreshToken(): string | null;
  save(tokens: Pick<AuthResponse, 'access_token' | 'refresh_token' | 'expires_in'>): void;
  clear(): void;
}

export const REFRESH_TOKEN_KEY = 'switchyard.refresh_token';

export function createTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = safeLocalStorage(),
  now: () => number = Date.now,
): TokenStore {
  let access: string | null = null;
  let expiresAt = 0;
  // Kept in memory too, for environments without storage (private modes).
  let refreshFallback: string | null = null;

  return {
    accessToken: () => access,
    accessExpiresAt: () => expiresAt,
    // Read storage every time: another tab may have rotated the token.
    refreshToken: () => storage?.getItem(REFRESH_TOKEN_KEY) ?? refreshFallback,
    save(t) {
      access = t.access_token;
      expiresAt = now() + Math.max(0, t.expires_in) * 1000;
      refreshFallback = t.refresh_token;
      storage?.setItem(REFRESH_TOKEN_KEY, t.refresh_token);
    },
    clear() {
      access = null;
      expiresAt = 0;
      refreshFallback = null;
      storage?.removeItem(REFRESH_TOKEN_KEY);
    },
  };
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
