// A tiny REST client for setting up state and for checks that must bypass
// the UI (e.g. "a viewer gets 403 calling the install API directly").
export function apiClient(baseUrl) {
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
  return {
    call,
    async login(email, password) {
      const r = await call('POST', '/auth/login', { body: { email, password } });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.access_token;
    },
    async register(email, password, name) {
      const r = await call('POST', '/auth/register', { body: { email, password, name } });
      if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}
