import { useMemo, useState } from 'react';
import type { FileOperationData, RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';

export interface FileOperation {
  key: string;
  type: string;
  data: FileOperationData;
  updatedAt: string;
}

/**
 * Live file operations and transfer progress from `file.*` events, newest
 * first: `file.operation` (created, renamed, deleted... with `op`) and
 * `file.upload.progress` / `file.download.progress` (bytes of total, percent,
 * shown to the user moving them).
 */
export function useFileOperations(limit = 50): FileOperation[] {
  // Oldest first inside; newest first out.
  const [ops, setOps] = useState<FileOperation[]>([]);
  useBatchedEvents('file.*', (events) => {
    setOps((prev) => {
      const byKey = new Map(prev.map((o) => [o.key, o]));
      for (const e of events as RealtimeEvent<FileOperationData>[]) {
        const d = (e.data ?? {}) as FileOperationData;
        // Transfers by upload id; operations by the file or folder they touched.
        const key = String(d.upload_id ?? d.download_id ?? d.id ?? d.path ?? d.file ?? d.name ?? e.id);
        const old = byKey.get(key);
        byKey.delete(key); // re-insert so the latest moves to the end
        byKey.set(key, { key, type: e.type, data: { ...old?.data, ...d }, updatedAt: e.timestamp });
      }
      return [...byKey.values()].slice(-limit);
    });
  });
  return useMemo(() => [...ops].reverse(), [ops]);
}
