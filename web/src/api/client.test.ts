import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from './client';
import { ApiError } from './errors';
import { createTokenStore, REFRESH_TOKEN_KEY } from './tokens';

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

function authBody(n: number) {
  return {
    user: { id: 'u1', email: 'a@b.c', name: 'A', platform_admin: false, created_at: '' },
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    expires_in: 900,
    token_type: 'Bearer',
  };
}

/** A fake server: /auth/refresh rotates tokens; /me needs the current one. */
function fakeServer(opts: { refreshStatus?: number; refreshDelayMs?: number } = {}) {
  let generation = 0;
  const refreshCalls: string[] = [];
  const fetchFn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const path = String(url);
    const auth = new Headers(init?.headers).get('Authorization');
    if (path.endsWith('/auth/refresh')) {
      const body = JSON.parse(String(init?.body));
      refreshCalls.push(body.refresh_token);
      await new Promise((r) => setTimeout(r, opts.refreshDelayMs ?? 5));
      if (opts.refreshStatus) return json(opts.refreshStatus, { error: { code: 'invalid_token', message: 'no' } });
      if (body.refresh_token !== `refresh-${generation}`) return json(401, { error: { code: 'reused', message: 'reused' } });
      generation++;
      return json(200, authBody(generation));
    }
    if (path.includes('delay')) await new Promise((r) => setTimeout(r, 30));
    if (auth !== `Bearer access-${generation}`) return json(401, { error: { code: 'unauthorized', message: 'expired' } });
    if (path.includes('/boom')) return json(422, { error: { code: 'invalid', message: 'Name is required', field: 'name' } });
    return json(200, { ok: true, path });
  });
  return { fetchFn, refreshCalls };
}

function makeClient(server: ReturnType<typeof fakeServer>, onSessionExpired = vi.fn()) {
  const tokens = createTokenStore(localStorage, sessionStorage, () => 0);
  // A token that the server no longer accepts (generation moved on).
  tokens.save({ access_token: 'stale', refresh_token: 'refresh-0', expires_in: 900 });
  const client = new ApiClient({ tokens, fetch: server.fetchFn as typeof fetch, now: () => 0, onSessionExpired });
  return { client, tokens, onSessionExpired };
}

describe('ApiClient', () => {
  it('shares ONE refresh between concurrent requests that hit 401', async () => {
    const server = fakeServer({ refreshDelayMs: 20 });
    const { client, tokens } = makeClient(server);
    const results = await Promise.all([client.get('/a'), client.get('/b'), client.get('/c'), client.get('/d')]);
    expect(results).toHaveLength(4);
    expect(server.refreshCalls).toEqual(['refresh-0']);
    expect(tokens.accessToken()).toBe('access-1');
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
  });

  it('retries with a token refreshed by someone else instead of refreshing again', async () => {
    const server = fakeServer({ refreshDelayMs: 1 });
    const { client } = makeClient(server);
    // /slow is sent with the stale token and answers 401 only after /fast has
    // already refreshed: it must retry with the new token, not refresh again.
    const slow = client.get('/slow?delay');
    await client.get('/fast');
    await slow;
    expect(server.refreshCalls).toEqual(['refresh-0']);
  });

  it('ends the session once when the refresh is refused', async () => {
    const server = fakeServer({ refreshStatus: 401 });
    const { client, tokens, onSessionExpired } = makeClient(server);
    const outcomes = await Promise.allSettled([client.get('/a'), client.get('/b')]);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    const err = (outcomes[0] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(server.refreshCalls).toHaveLength(1);
    expect(tokens.refreshToken()).toBeNull();
  });

  it('refreshes ahead of time when the access token is about to expire', async () => {
    const server = fakeServer();
    const tokens = createTokenStore(localStorage, sessionStorage, () => 0);
    tokens.save({ access_token: 'stale', refresh_token: 'refresh-0', expires_in: 10 });
    const client = new ApiClient({ tokens, fetch: server.fetchFn as typeof fetch, now: () => 0 });
    await client.get('/x');
    // Only one request to /x: no wasted 401 round trip.
    const xCalls = server.fetchFn.mock.calls.filter(([u]) => String(u).endsWith('/x'));
    expect(xCalls).toHaveLength(1);
    expect(server.refreshCalls).toEqual(['refresh-0']);
  });

  it('surfaces the server error code, message and field', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    await expect(client.post('/boom', { name: '' })).rejects.toMatchObject({
      status: 422,
      code: 'invalid',
      message: 'Name is required',
      field: 'name',
    });
  });

  it('maps a failed fetch to a network ApiError', async () => {
    const tokens = createTokenStore(null, null);
    const client = new ApiClient({
      tokens,
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch,
    });
    await expect(client.get('/x', undefined)).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('encodes query parameters and skips empty ones', async () => {
    const fetchFn = vi.fn(async (_url: string) => json(200, {}));
    const client = new ApiClient({ tokens: createTokenStore(null, null), fetch: fetchFn as typeof fetch });
    await client.get('/orgs/acme/events', { since: 5, types: 'a,b', cursor: '', limit: undefined });
    expect(fetchFn.mock.calls[0][0]).toBe('/api/v1/orgs/acme/events?since=5&types=a%2Cb');
  });

  it('raw() sends bytes with extra headers, refreshes on a 401, and hands back any answer', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    const chunk = new Blob([new Uint8Array([1, 2, 3])]);
    const res = await client.raw('PATCH', '/uploads/u1', { rawBody: chunk, headers: { 'Upload-Offset': '1024', 'Content-Type': 'application/offset+octet-stream' } });
    expect(res.status).toBe(200);
    expect(server.refreshCalls).toEqual(['refresh-0']);
    // The retry after the refresh carries the same body and headers, with the new token.
    const [, init] = server.fetchFn.mock.calls.at(-1)!;
    const headers = new Headers(init?.headers);
    expect(headers.get('Upload-Offset')).toBe('1024');
    expect(headers.get('Content-Type')).toBe('application/offset+octet-stream');
    expect(headers.get('Authorization')).toBe('Bearer access-1');
    expect(init?.body).toBe(chunk);
    // A refusal is the caller's to read (its headers included), not thrown.
    const refused = await client.raw('POST', '/boom');
    expect(refused.status).toBe(422);
  });

  it('reuses the access token of this tab after a reload: no refresh', async () => {
    const server = fakeServer();
    const first = makeClient(server).client;
    await first.get('/a'); // 401 -> refresh -> access-1 / refresh-1
    expect(server.refreshCalls).toEqual(['refresh-0']);
    // A reload: new store and client over the same storages.
    const tokens = createTokenStore(localStorage, sessionStorage, () => 0);
    expect(tokens.accessToken()).toBe('access-1');
    const again = new ApiClient({ tokens, fetch: server.fetchFn as typeof fetch, now: () => 0 });
    await again.get('/b');
    expect(server.refreshCalls).toEqual(['refresh-0']);
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
  });

  it('rotates one refresh at a time across tabs, each from the newest token', async () => {
    const server = fakeServer({ refreshDelayMs: 10 });
    // Two tabs: shared localStorage, their own sessionStorage, one lock.
    let chain = Promise.resolve();
    const lock = <T,>(fn: () => Promise<T>) => {
      const run = chain.then(fn);
      chain = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    };
    const tabStorage = () => {
      const m = new Map<string, string>();
      return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
    };
    const a = createTokenStore(localStorage, tabStorage(), () => 0);
    const b = createTokenStore(localStorage, tabStorage(), () => 0);
    a.save({ access_token: 'stale-a', refresh_token: 'refresh-0', expires_in: 900 });
    b.save({ access_token: 'stale-b', refresh_token: 'refresh-0', expires_in: 900 });
    const ca = new ApiClient({ tokens: a, fetch: server.fetchFn as typeof fetch, now: () => 0, lock });
    const cb = new ApiClient({ tokens: b, fetch: server.fetchFn as typeof fetch, now: () => 0, lock });
    await Promise.all([ca.get('/a'), cb.get('/b')]);
    // Never the same token twice (that would revoke the session).
    expect(server.refreshCalls).toEqual(['refresh-0', 'refresh-1']);
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-2');
  });
});
