// Wire types of the real-time protocol (shared/DESIGN.md, "Real-time protocol").

/** Every server frame: `seq` and `id` are present on events only. */
export interface ServerFrame {
  type: string;
  data?: unknown;
  timestamp?: string;
  seq?: number;
  id?: string;
}

/** A stamped org event, from the socket or from GET /events. */
export interface RealtimeEvent<D = unknown> {
  id: string;
  type: string;
  seq: number;
  timestamp: string;
  data: D;
  source?: string;
  target_user_id?: string;
}

export type ClientFrame =
  | { type: 'ping' }
  | { type: 'subscribe'; events: string[] }
  | { type: 'unsubscribe'; events: string[] }
  | { type: 'resume'; since: number; epoch: string }
  | { type: 'get_sync_status' };

export interface ConnectionStatusData {
  status: string;
  user_id: string;
  org: string;
  seq: number;
  epoch: string;
}

export interface ErrorFrameData {
  code: string;
  message: string;
}

// ---- event payloads -------------------------------------------------------

/** `sync.update`: the task is the job's id (or `scheduled-…` for a run on a source's interval). */
export interface SyncUpdate {
  task_id: string;
  status: string;
  /** Percent, 0..100. */
  progress: number;
  processed_items: number;
  total_items: number;
  source?: string;
  dataset?: string;
  error?: string;
}

export interface SyncStatusData {
  tasks: SyncUpdate[];
}

/** `notification`: stored per user under the event's id until read. */
export interface NotificationEventData {
  kind: 'success' | 'error' | 'warning' | 'info';
  title: string;
  message: string;
}

/** `plugin.status`, published by the core for each plugin process change. */
export interface PluginStatusData {
  plugin: string;
  version?: string;
  status: string;
  error?: string;
}

/**
 * `user.activity`, published by the core: membership changes
 * (`member.joined`, `member.role_changed`, `member.removed`), `org.updated`
 * and plugin changes (`plugin.installed`, `plugin.upgraded`,
 * `plugin.uninstalled`, `plugin.configured`).
 */
export interface UserActivityData {
  action: string;
  actor_id?: string;
  actor_name?: string;
  user_id?: string;
  user_name?: string;
  role?: string;
  previous_role?: string;
  plugin?: string;
  version?: string;
  previous_version?: string;
}

/** `user.presence`: a member's first socket opened or last one closed. */
export interface UserPresenceData {
  user_id: string;
  online: boolean;
}

/** Metrics arrive as flat objects of named numbers (cpu, memory, rps...). */
export type MetricsData = Record<string, unknown>;

export type SystemStatusData = Record<string, unknown>;

export interface MLUpdateData {
  model?: string;
  model_id?: string;
  status?: string;
  progress?: number;
  epoch?: number;
  loss?: number;
  accuracy?: number;
  [key: string]: unknown;
}

export interface FileOperationData {
  /** file.operation: created, renamed, deleted, restored, purged. */
  op?: string;
  operation?: string;
  upload_id?: string;
  download_id?: string;
  id?: string;
  kind?: string;
  percent?: number;
  total?: number;
  file?: string;
  path?: string;
  name?: string;
  progress?: number;
  bytes?: number;
  total_bytes?: number;
  status?: string;
  [key: string]: unknown;
}

/** Known event types and their payloads; anything else is `unknown`. */
export interface EventDataMap {
  'system.status': SystemStatusData;
  'system.metrics': MetricsData;
  'system.health': SystemStatusData;
  'sync.update': SyncUpdate;
  'ml.model.update': MLUpdateData;
  'ml.training.progress': MLUpdateData;
  'ml.prediction.result': MLUpdateData;
  'file.operation': FileOperationData;
  'file.upload.progress': FileOperationData;
  'file.download.progress': FileOperationData;
  'user.activity': UserActivityData;
  'user.presence': UserPresenceData;
  notification: NotificationEventData;
  alert: Record<string, unknown>;
  'plugin.update': Record<string, unknown>;
  'plugin.status': PluginStatusData;
  'analytics.update': Record<string, unknown>;
  'metrics.update': MetricsData;
}

export type KnownEventType = keyof EventDataMap;

// ---- connection state -----------------------------------------------------

/**
 * What the badge shows. `reconnecting` carries the moment of the next try so
 * the UI can count down; `polling` means the socket could not be held and
 * events now come from GET /events every few seconds.
 */
export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'connected'; since: number }
  | { status: 'reconnecting'; attempt: number; retryAt: number; reason: string }
  | { status: 'polling'; reason: string; lastPollAt: number | null; lastError: string | null }
  | { status: 'offline'; reason: string; fatal: boolean };

export type ConnectionStatus = ConnectionState['status'];
