import { ApiError, errorFromResponse } from './errors';
import type { AuthResponse } from './types';
import type { TokenStore } from './tokens';

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Sent as is (a Blob, bytes) instead of as JSON; see `raw`. */
  rawBody?: BodyInit;
  /** Extra request headers (e.g. Upload-Offset); see `raw`. */
  headers?: Record<string, string>;
  /** Send the Bearer token and refresh on 401 (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

/** Runs `fn` while holding a lock shared by every tab of this origin. */
export type CrossTabLock = <T>(fn: () => Promise<T>) => Promise<T>;

export interface ApiClientOptions {
  tokens: TokenStore;
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Called once when a refresh fails: the session is over. */
  onSessionExpired?: () => void;
  /** Called after every successful refresh (e.g. to update the current user). */
  onTokens?: (auth: AuthResponse) => void;
  lock?: CrossTabLock;
}

/** Refresh this long before the access token's stated expiry. */
const EXPIRY_MARGIN_MS = 15_000;

/**
 * A typed JSON client for /api/v1.
 *
 * The access token is reused (across reloads too, see tokens.ts) until it is
 * about to expire or the server answers 401; only then is the refresh token
 * spent. Refresh tokens rotate: each one works once, and presenting a used one
 * revokes the whole session family. So at most ONE refresh may be in flight:
 * concurrent callers that hit a 401 (or see an expiring token) share the same
 * promise, and a caller whose 401 came back after someone else already
 * refreshed just retries with the newer token instead of refreshing again.
 * Across tabs the refresh runs under a Web Lock, and the refresh token is read
 * from shared storage inside the lock, so a tab never replays a token another
 * tab has already rotated.
 */
export class ApiClient {
  private readonly tokens: TokenStore;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly lock: CrossTabLock;
  private refreshing: Promise<boolean> | null = null;
  onSessionExpired?: () => void;
  onTokens?: (auth: AuthResponse) => void;

  constructor(opts: ApiClientOptions) {
    this.tokens = opts.tokens;
    this.baseUrl = opts.baseUrl ?? '/api/v1';
    // Bind: calling an unbound window.fetch throws "Illegal invocation".
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = opts.now ?? Date.now;
    this.lock = opts.lock ?? webLock;
    this.onSessionExpired = opts.onSessionExpired;
    this.onTokens = opts.onTokens;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body?: unknown, opts?: Omit<RequestOptions, 'body'>): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * The answer itself, whatever its status, after the same token handling as
   * `request` (refresh when stale or on a 401, one retry). For what JSON
   * calls cannot do: sending bytes (`rawBody`, with `headers`), reading
   * answer headers (a resumable upload's Upload-Offset) or streaming a body
   * (a download). The caller turns a non-2xx answer into an error
   * (`errorFromResponse`). A network failure throws an ApiError of status 0.
   */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const auth = opts.auth ?? true;
    if (auth && this.tokens.refreshToken() && this.accessTokenStale()) {
      await this.refresh();
    }
    const sentWith = auth ? this.tokens.accessToken() : null;
    let res = await this.send(method, path, opts, sentWith);

    if (res.status === 401 && auth && this.tokens.refreshToken()) {
      // Someone may have refreshed while our request was out: use their token.
      const current = this.tokens.accessToken();
      if (current && current === sentWith) this.tokens.dropAccess();
      const fresh = current && current !== sentWith ? true : await this.refresh();
      if (!fresh) return res;
      res = await this.send(method, path, opts, this.tokens.accessToken());
    }
    return res;
  }

  /**
   * Exchanges the refresh token for a new pair. Concurrent calls share one
   * request. Resolves false (and ends the session) when the server refuses.
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.lock(() => this.doRefresh()).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** Forget the session locally and tell the server (best effort). */
  async logout(): Promise<void> {
    const refresh_token = this.tokens.refreshToken();
    try {
      if (refresh_token) await this.post('/auth/logout', { refresh_token });
    } catch {
      // The session ends locally whatever the server says.
    } finally {
      this.tokens.clear();
    }
  }

  private accessTokenStale(): boolean {
    return !this.tokens.accessToken() || this.now() >= this.tokens.accessExpiresAt() - EXPIRY_MARGIN_MS;
  }

  private async doRefresh(): Promise<boolean> {
    // Another tab may have refreshed while we waited for the lock; its new
    // refresh token is in storage and this tab's access token is still stale,
    // so we rotate once more from the newest token (never a used one).
    const refresh_token = this.tokens.refreshToken();
    if (!refresh_token) return false;
    let res: Response;
    try {
      res = await this.send('POST', '/auth/refresh', { body: { refresh_token } }, null);
    } catch (err) {
      // Offline is not a logout: keep the session and let the caller fail.
      if (err instanceof ApiError && err.isNetwork) return false;
      throw err;
    }
    if (!res.ok) {
      // 401/403: the family is gone. Anything else (5xx) is transient, but we
      // cannot tell a retry is safe with rotating tokens, so only give up the
      // session on an explicit refusal.
      if (res.status === 400 || res.status === 401 || res.status === 403) {
        this.tokens.clear();
        this.onSessionExpired?.();
      }
      return false;
    }
    const auth = (await res.json()) as AuthResponse;
    this.tokens.save(auth);
    this.onTokens?.(auth);
    return true;
  }

  private async send(method: string, path: string, opts: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchFn(this.url(path, opts.query), {
        method,
        headers,
        body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
    }
  }

  private url(path: string, query?: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }
}

/** Serializes refreshes across tabs where the Web Locks API exists. */
const webLock: CrossTabLock = (fn) => {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('switchyard.refresh', fn) : fn();
};
