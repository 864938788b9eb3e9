// Hand-written wire types for the Switchyard HTTP API (/api/v1).
//
// They mirror the contract in shared/DESIGN.md and the web brief. Once the
// server publishes /api/openapi.json these can be generated with
// openapi-typescript 7; until then, keep this file the single place where the
// shape of a response is declared.

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

/** Error body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Cursor pagination envelope of list endpoints. */
export interface Page<T> {
  items: T[];
  next_cursor: string;
}

export interface PageParams {
  limit?: number;
  cursor?: string;
}

// ---- auth -----------------------------------------------------------------

export interface User {
  id: string;
  email: string;
  name: string;
  platform_admin: boolean;
  created_at: string;
}

export interface AuthResponse {
  user: User;
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
  token_type: 'Bearer';
}

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

// ---- organizations --------------------------------------------------------

export interface Org {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  suspended: boolean;
  role: Role;
}

/** Permission strings the server grants per org (GET /orgs/{org}). */
export type Permission =
  | 'members:invite'
  | 'members:update'
  | 'members:remove'
  | 'plugins:install'
  | 'apikeys:manage'
  | 'org:update'
  | 'org:delete'
  | 'jobs:run'
  | (string & {});

export interface OrgDetail extends Org {
  permissions: Permission[];
}

export interface CreateOrgInput {
  slug: string;
  name: string;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  joined_at: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expires_at: string;
  /** Present in the 201 answer of POST /invitations. */
  token?: string;
  /** Optional: the server's own link to /invite/{token} (uses its public URL). */
  accept_url?: string;
}

export interface AcceptInvitationResult {
  org: Org | string;
  role: Role;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret, `sy_...`: shown exactly once. */
  key: string;
}

// ---- events & notifications -----------------------------------------------

export interface EventRecord<D = unknown> {
  id: string;
  type: string;
  seq: number;
  timestamp: string;
  data: D;
  source: string;
  target_user_id?: string;
}

export interface EventHistory {
  items: EventRecord[];
  seq: number;
  epoch: string;
}

export interface WsTicket {
  ticket: string;
  expires_in: number;
}

export type NotificationKind = 'success' | 'error' | 'warning' | 'info';

export interface Notification {
  id: string;
  kind: NotificationKind;
  title: string;
  message: string;
  created_at: string;
  read_at: string | null;
}

export interface NotificationList {
  items: Notification[];
  unread: number;
}

// ---- plugins & jobs -------------------------------------------------------

/** The subset of JSON Schema the config form understands. */
export interface JsonSchema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: Array<string | number>;
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

export interface PluginAction {
  name: string;
  description: string;
  input_schema?: JsonSchema;
  permission?: string;
  job?: boolean;
}

export interface PluginManifest {
  actions: PluginAction[];
  event_types: string[];
  config_schema?: JsonSchema;
}

export interface MarketplacePlugin {
  name: string;
  version: string;
  versions: string[];
  description: string;
  publisher: string;
  manifest: PluginManifest;
}

export type PluginStatus = 'starting' | 'running' | 'crashed' | 'disabled';

export interface InstalledPlugin {
  name: string;
  version: string;
  status: PluginStatus;
  config: Record<string, unknown>;
  installed_at: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  plugin: string;
  kind: string;
  status: JobStatus;
  /** 0..1 or 0..100; see normalizeProgress. */
  progress: number;
  processed_items: number;
  total_items: number;
  error: string;
  attempts: number;
  created_at: string;
  updated_at: string;
}

// ---- admin ----------------------------------------------------------------

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  members: number;
  suspended: boolean;
  created_at: string;
}

export interface PluginProcess {
  name: string;
  version: string;
  status: string;
  pid: number;
  restarts: number;
  last_error: string;
  started_at: string;
  tenants: number | string[];
}

/** GET /admin/system: rendered generically. */
export type SystemFacts = Record<string, unknown>;
