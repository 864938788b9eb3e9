export { RealtimeClient, CloseCode, defaultRealtimeOptions, parseFrame } from './client';
export type { RealtimeDeps, RealtimeOptions, RealtimeStats, SocketLike, Timers, NetworkStatus } from './client';
export { backoffDelay } from './backoff';
export { matchesPattern, matchesAny } from './patterns';
export * from './types';
export { createBrowserRealtime } from './browser';
