// Wire types of the Switchyard HTTP API (/api/v1).
//
// The shapes come from the server's own OpenAPI document: schema.gen.ts is
// generated from GET /api/openapi.json (`npm run gen:api`), and every type
// below is taken from it, so a change of the server's contract shows up
// here as a type error at the places that use the changed field. Only a few
// fields are narrowed where the document says `string` but the value is one
// of a known set (roles, statuses), or widened where the server sends null
// for a timestamp that is not set yet.
import type { components, paths } from './schema.gen';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Op<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = NonNullable<paths[P][M]>;
/** The JSON body of a 2xx answer of `M P`. */
type Ok<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> =
  Op<P, M> extends { responses: infer R }
    ? R extends { 200: infer A }
      ? JsonOf<A>
      : R extends { 201: infer A }
        ? JsonOf<A>
        : R extends { 202: infer A }
          ? JsonOf<A>
          : never
    : never;
/** The JSON request body of `M P`. */
type Body<P extends keyof paths, M extends 'post' | 'put' | 'patch'> =
  Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Item<T> = T extends { items: Array<infer I> } ? I : never;
/** Replace the types of some fields. */
type With<T, O> = Omit<T, keyof O> & O;

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

/** Error body of every non-2xx answer. */
export type ApiErrorBody = components['schemas']['Error'];

/** Cursor pagination envelope of list endpoints. */
export interface Page<T> {
  items: T[];
  next_cursor: string;
}

// ---- auth -----------------------------------------------------------------

export type User = Ok<'/api/v1/me', 'get'>;
export type AuthResponse = Ok<'/api/v1/auth/login', 'post'>;
export type RegisterInput = Body<'/api/v1/auth/register', 'post'>;
export type LoginInput = Body<'/api/v1/auth/login', 'post'>;

// ---- organizations --------------------------------------------------------

/** Permission strings the server grants per org (GET /orgs/{org}). */
export type Permission =
  | 'org:read'
  | 'org:update'
  | 'org:delete'
  | 'members:read'
  | 'members:invite'
  | 'members:update'
  | 'members:remove'
  | 'apikeys:read'
  | 'apikeys:manage'
  | 'plugins:read'
  | 'plugins:install'
  | 'plugins:configure'
  | 'plugins:invoke'
  | 'jobs:read'
  | 'jobs:run'
  | 'events:read'
  | 'events:publish'
  | 'notifications:read'
  | 'realtime:connect'
  | (string & {});

type WireOrg = Ok<'/api/v1/orgs/{org}', 'get'>;
/** An organization as listed by GET /orgs (with the caller's role). */
export type Org = With<Omit<WireOrg, 'permissions' | 'quotas'>, { role: Role }>;
/** GET /orgs/{org}: with the caller's permissions and the org's quotas. */
export type OrgDetail = With<WireOrg, { role: Role; permissions: Permission[] }>;
export type CreateOrgInput = Body<'/api/v1/orgs', 'post'>;

export type Member = With<Item<Ok<'/api/v1/orgs/{org}/members', 'get'>>, { role: Role }>;

/** A pending invitation; `token` and `accept_url` only in the answer that created it. */
export type Invitation = With<
  Item<Ok<'/api/v1/orgs/{org}/invitations', 'get'>>,
  { role: Role; token?: string; accept_url?: string }
>;
export type AcceptInvitationResult = With<Ok<'/api/v1/invitations/{token}/accept', 'post'>, { role: Role }>;

export type ApiKey = With<
  Item<Ok<'/api/v1/orgs/{org}/api-keys', 'get'>>,
  { last_used_at: string | null; expires_at: string | null }
>;
/** The answer of POST /api-keys: `key` (`sy_...`) is shown exactly once. */
export type CreatedApiKey = ApiKey & { key: string };

// ---- events & notifications -----------------------------------------------

export type EventRecord<D = unknown> = With<Item<Ok<'/api/v1/orgs/{org}/events', 'get'>>, { data: D }>;
export type EventHistory = Ok<'/api/v1/orgs/{org}/events', 'get'>;
export type WsTicket = Ok<'/api/v1/orgs/{org}/ws-ticket', 'post'>;
/** A single-use URL for one GET of a plugin's HTTP route (a download link). */
export type PluginLink = Ok<'/api/v1/orgs/{org}/plugins/{name}/links', 'post'>;
export type PluginLinkRequest = Body<'/api/v1/orgs/{org}/plugins/{name}/links', 'post'>;

export type NotificationKind = 'success' | 'error' | 'warning' | 'info';
/** The id of a notification is the id of the `notification` event that carried it. */
export type Notification = With<
  Item<Ok<'/api/v1/orgs/{org}/notifications', 'get'>>,
  { kind: NotificationKind; read_at: string | null }
>;
export type NotificationList = With<Ok<'/api/v1/orgs/{org}/notifications', 'get'>, { items: Notification[] }>;

// ---- plugins & jobs -------------------------------------------------------

/** The subset of JSON Schema the generated forms understand. */
export interface JsonSchema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  enum?: Array<string | number>;
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  format?: string;
}

type WireMarketplacePlugin = Item<Ok<'/api/v1/marketplace/plugins', 'get'>>;
type WireManifest = WireMarketplacePlugin['manifest'];
export type PluginAction = With<WireManifest['actions'][number], { input_schema?: JsonSchema }>;
export type PluginManifest = With<WireManifest, { actions: PluginAction[]; config_schema?: JsonSchema }>;
export type MarketplacePlugin = With<WireMarketplacePlugin, { manifest: PluginManifest }>;

export type PluginStatus = 'starting' | 'running' | 'crashed' | 'disabled' | (string & {});
export type InstalledPlugin = With<
  Item<Ok<'/api/v1/orgs/{org}/plugins', 'get'>>,
  { status: PluginStatus; config?: Record<string, unknown> }
>;
export type PluginConfig = Ok<'/api/v1/orgs/{org}/plugins/{name}/config', 'get'>;

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
/** A job as listed; `progress` is a percentage (0..100). */
export type Job = With<Item<Ok<'/api/v1/orgs/{org}/jobs', 'get'>>, { status: JobStatus }>;
export type JobDetail = With<Ok<'/api/v1/orgs/{org}/jobs/{id}', 'get'>, { status: JobStatus }>;

// ---- admin ----------------------------------------------------------------

export type Tenant = Item<Ok<'/api/v1/admin/tenants', 'get'>>;
export type PluginProcess = Item<Ok<'/api/v1/admin/plugins', 'get'>>;
export type SystemFacts = Ok<'/api/v1/admin/system', 'get'>;
