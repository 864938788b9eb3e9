// A small REST client for setting up state and for checks that must bypass
// the UI (e.g. "a viewer gets 403 calling the install API directly").
export function apiClient(baseUrl) {
  const tokens = new Map();

  async function call(method, path, { token, body } = {}) {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, body: json };
  }

  /** Like call, but throws unless the status is the expected one. */
  async function must(status, method, path, opts) {
    const r = await call(method, path, opts);
    if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  return {
    call,
    must,
    /**
     * An access token for the user, signing in once per run (sign-in is
     * rate limited per account; tokens live 15 minutes, the suite 4).
     */
    async login(email, password) {
      if (tokens.has(email)) return tokens.get(email);
      const r = await call('POST', '/auth/login', { body: { email, password } });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
      tokens.set(email, r.body.access_token);
      return r.body.access_token;
    },
    /** Publishes events as `token` (an owner or admin, or an API key with events:publish). */
    async publish(slug, token, events) {
      return must(201, 'POST', `/orgs/${slug}/events`, { token, body: { events } });
    },
  };
}
