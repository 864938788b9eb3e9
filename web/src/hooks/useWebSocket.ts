import { useCallback, useSyncExternalStore } from 'react';
import type { ConnectionState, RealtimeClient, RealtimeStats } from '../realtime';
import { useRealtimeClient } from './RealtimeProvider';

const idle: ConnectionState = { status: 'idle' };
const noStats: RealtimeStats = {
  lastSeq: null,
  epoch: null,
  malformedFrames: 0,
  serverErrors: 0,
  listenerErrors: 0,
  reconnects: 0,
  lastServerError: null,
};

/** Connection state, stats and controls of the org's socket. */
export function useWebSocket() {
  const client = useRealtimeClient();
  const state = useSyncExternalStore(
    useCallback((cb: () => void) => (client ? client.onState(cb) : () => {}), [client]),
    () => client?.getState() ?? idle,
  );
  const reconnectNow = useCallback(() => client?.reconnectNow(), [client]);
  const requestSyncStatus = useCallback(() => client?.requestSyncStatus() ?? false, [client]);
  return { state, client, reconnectNow, requestSyncStatus };
}

/** Stats change often (every event); only components that show them subscribe. */
export function useRealtimeStats(): RealtimeStats {
  const client = useRealtimeClient();
  const subscribe = useCallback((cb: () => void) => (client ? client.onStats(cb) : () => {}), [client]);
  return useSyncExternalStore(subscribe, () => (client ? snapshot(client) : noStats));
}

// getStats() builds a new object per call; useSyncExternalStore needs the same
// object until something changed, so keep the last one per client.
const snapshots = new WeakMap<RealtimeClient, { sig: string; stats: RealtimeStats }>();
function snapshot(client: RealtimeClient): RealtimeStats {
  const s = client.getStats();
  const sig = `${s.lastSeq}|${s.epoch}|${s.malformedFrames}|${s.serverErrors}|${s.reconnects}|${s.listenerErrors}`;
  const prev = snapshots.get(client);
  if (prev && prev.sig === sig) return prev.stats;
  snapshots.set(client, { sig, stats: s });
  return s;
}
