import { ApiClient } from './client';
import { createTokenStore } from './tokens';

/** The app's one API client. The session store wires its callbacks. */
export const tokens = createTokenStore();
export const api = new ApiClient({ tokens });

/** `/orgs/{slug}` with the slug escaped (the server validates it too). */
export const orgPath = (slug: string, rest = '') => `/orgs/${encodeURIComponent(slug)}${rest}`;
