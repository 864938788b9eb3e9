import { useState } from 'react';
import type { RealtimeEvent, SystemStatusData } from '../realtime';
import { useRealtimeEvents } from './useRealtimeEvents';

export interface SystemStatus {
  status: SystemStatusData | null;
  health: SystemStatusData | null;
  updatedAt: string | null;
}

const empty: SystemStatus = { status: null, health: null, updatedAt: null };

/** The latest `system.status` and `system.health` reports; null until one arrives. */
export function useSystemStatus(): SystemStatus {
  const [value, setValue] = useState<SystemStatus>(empty);
  useRealtimeEvents(['system.status', 'system.health'], (e: RealtimeEvent) => {
    const data = (e.data ?? {}) as SystemStatusData;
    setValue((prev) => ({
      ...prev,
      [e.type === 'system.status' ? 'status' : 'health']: data,
      updatedAt: e.timestamp,
    }));
  });
  return value;
}
