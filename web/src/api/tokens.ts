import type { AuthResponse } from './types';

/**
 * Where the session's tokens live.
 *
 * The refresh token is in localStorage: a reload or a new tab keeps the
 * session, and localStorage is the one store every tab shares, which the
 * cross-tab refresh lock in client.ts relies on (a tab always reads the
 * newest refresh token inside the lock, so it never replays one another tab
 * already rotated). Script running in this origin could read it; an httpOnly
 * cookie would avoid that, but the API hands the refresh token to the client
 * in JSON and rotates it on every use, and presenting a used one revokes the
 * whole session, which bounds a stolen token to one use before the real
 * client notices.
 *
 * The short-lived access token (15 minutes) is in sessionStorage, per tab.
 * That adds no exposure: anything able to read sessionStorage can read the
 * refresh token in localStorage, which is worth far more. What it buys is that
 * a reload does not spend the refresh token. With the access token in memory
 * only, every page load had to rotate the refresh token, and a page left
 * while that rotation was in flight lost the new token: the next load then
 * presented a used one and the server, by design, ended the session. Now a
 * reload reuses the access token until it expires; the refresh token is spent
 * only on a 401 or near expiry, once, under a lock shared by the tabs.
 */
export interface TokenStore {
  accessToken(): string | null;
  /** Epoch ms after which the access token should be treated as expired. */
  accessExpiresAt(): number;
  refreshToken(): string | null;
  save(tokens: Pick<AuthResponse, 'access_token' | 'refresh_token' | 'expires_in'>): void;
  /** Forget the access token only (the server refused it). */
  dropAccess(): void;
  clear(): void;
}

export const REFRESH_TOKEN_KEY = 'switchyard.refresh_token';
export const ACCESS_TOKEN_KEY = 'switchyard.access_token';

type KV = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

interface StoredAccess {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

export function createTokenStore(
  persistent: KV | null = safeStorage('localStorage'),
  perTab: KV | null = safeStorage('sessionStorage'),
  now: () => number = Date.now,
): TokenStore {
  // Memory copies: the source of truth where storage is unavailable (private
  // modes, quotas), and a cache in front of JSON parsing otherwise.
  let access: StoredAccess | null = readAccess(perTab);
  let refreshFallback: string | null = null;

  const writeAccess = (a: StoredAccess | null) => {
    access = a;
    try {
      if (a) perTab?.setItem(ACCESS_TOKEN_KEY, JSON.stringify(a));
      else perTab?.removeItem(ACCESS_TOKEN_KEY);
    } catch {
      // Storage full or refused: memory still holds it for this page.
    }
  };

  return {
    accessToken: () => (access && access.expiresAt > now() ? access.token : null),
    accessExpiresAt: () => access?.expiresAt ?? 0,
    // Read storage every time: another tab may have rotated the token.
    refreshToken: () => persistent?.getItem(REFRESH_TOKEN_KEY) ?? refreshFallback,
    save(t) {
      writeAccess({ token: t.access_token, expiresAt: now() + Math.max(0, t.expires_in) * 1000 });
      refreshFallback = t.refresh_token;
      try {
        persistent?.setItem(REFRESH_TOKEN_KEY, t.refresh_token);
      } catch {
        // Kept in memory: the session lasts as long as this page.
      }
    },
    dropAccess() {
      writeAccess(null);
    },
    clear() {
      writeAccess(null);
      refreshFallback = null;
      persistent?.removeItem(REFRESH_TOKEN_KEY);
    },
  };
}

function readAccess(store: KV | null): StoredAccess | null {
  try {
    const raw = store?.getItem(ACCESS_TOKEN_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<StoredAccess>;
    return typeof v.token === 'string' && typeof v.expiresAt === 'number' ? { token: v.token, expiresAt: v.expiresAt } : null;
  } catch {
    return null;
  }
}

function safeStorage(name: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return typeof globalThis[name] === 'undefined' ? null : globalThis[name];
  } catch {
    return null;
  }
}
