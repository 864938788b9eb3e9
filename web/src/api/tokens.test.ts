import { beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_KEY, REFRESH_TOKEN_KEY, createTokenStore } from './tokens';

describe('token storage', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });

  it('keeps the refresh token in localStorage and the access token in this tab only', () => {
    const t = createTokenStore(localStorage, sessionStorage, () => 1_000);
    t.save({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 });
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('r1');
    expect(localStorage.getItem(ACCESS_TOKEN_KEY)).toBeNull();
    expect(JSON.parse(sessionStorage.getItem(ACCESS_TOKEN_KEY)!)).toEqual({ token: 'a1', expiresAt: 901_000 });
  });

  it('survives a reload (a new store over the same storages)', () => {
    createTokenStore(localStorage, sessionStorage, () => 0).save({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 });
    const reloaded = createTokenStore(localStorage, sessionStorage, () => 10_000);
    expect(reloaded.accessToken()).toBe('a1');
    expect(reloaded.accessExpiresAt()).toBe(900_000);
    expect(reloaded.refreshToken()).toBe('r1');
  });

  it('treats an expired access token as absent', () => {
    let now = 0;
    const t = createTokenStore(localStorage, sessionStorage, () => now);
    t.save({ access_token: 'a1', refresh_token: 'r1', expires_in: 60 });
    now = 61_000;
    expect(t.accessToken()).toBeNull();
    expect(t.refreshToken()).toBe('r1');
  });

  it('reads the refresh token from storage every time (another tab may have rotated it)', () => {
    const t = createTokenStore(localStorage, sessionStorage, () => 0);
    t.save({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 });
    localStorage.setItem(REFRESH_TOKEN_KEY, 'r2');
    expect(t.refreshToken()).toBe('r2');
  });

  it('ignores a corrupt stored access token', () => {
    sessionStorage.setItem(ACCESS_TOKEN_KEY, '{not json');
    expect(createTokenStore(localStorage, sessionStorage).accessToken()).toBeNull();
  });

  it('dropAccess forgets the access token only; clear forgets both', () => {
    const t = createTokenStore(localStorage, sessionStorage, () => 0);
    t.save({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 });
    t.dropAccess();
    expect(t.accessToken()).toBeNull();
    expect(sessionStorage.getItem(ACCESS_TOKEN_KEY)).toBeNull();
    expect(t.refreshToken()).toBe('r1');
    t.clear();
    expect(t.refreshToken()).toBeNull();
  });

  it('works without storage (private modes): memory only', () => {
    const t = createTokenStore(null, null, () => 0);
    t.save({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 });
    expect(t.accessToken()).toBe('a1');
    expect(t.refreshToken()).toBe('r1');
  });
});
