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

export interface SyncUpdate {
  task_id: string;
  status: string;
  /** 0..1 or 0..100, see lib/progress. */
  progress: number;
  processed_items: number;
  total_items: number;
}

export interface SyncStatusData {
  tasks: SyncUpdate[];
}

export interface NotificationEventData {
  id?: string;
  kind: 'success' | 'error' | 'warning' | 'info';
  title: string;
  message: string;
}

export interface PluginStatusData {
  name?: string;
  plugin?: string;
  status: string;
  version?: string;
  error?: string;
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
  operation?: string;
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
  'user.activity': Record<string, unknown>;
  'user.presence': Record<string, unknown>;
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
