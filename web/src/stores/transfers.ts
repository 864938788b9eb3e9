import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/errors';
import { filesApi, openDownload, type FileEntry } from '../api/files';
import { qk } from '../api/queryKeys';
import { ChunkedUpload } from '../lib/chunkedUpload';
import { queryClient } from '../queryClient';

// Uploads and downloads of the files page. They live outside React so a
// transfer goes on (and is still listed) when the page is left and opened
// again; the page only shows them.

export type TransferStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface Transfer {
  key: string;
  org: string;
  kind: 'upload' | 'download';
  name: string;
  /** Where it goes (uploads) or comes from: the folder's path. */
  folderPath: string;
  size: number;
  /** Bytes moved: confirmed by the server (uploads); a download's whole size once the browser has it. */
  done: number;
  status: TransferStatus;
  error?: string;
  /** The server's code of the refusal (quota_exceeded, conflict…). */
  code?: string;
  uploadId?: string;
  /** The file, once stored (uploads) or the one downloaded. */
  file?: FileEntry;
  startedAt: number;
}

interface TransferState {
  transfers: Transfer[];
  patch(key: string, p: Partial<Transfer>): void;
}

export const useTransfers = create<TransferState>()((set) => ({
  transfers: [],
  patch(key, p) {
    set((s) => ({ transfers: s.transfers.map((t) => (t.key === key ? { ...t, ...p } : t)) }));
  },
}));

/** What a running transfer needs besides its state: the upload (to resume) or the request (to stop). */
const running = new Map<string, { upload?: ChunkedUpload<FileEntry>; file?: File; parent?: string; overwrite?: boolean; abort?: AbortController }>();
let seq = 0;

function add(t: Omit<Transfer, 'key' | 'startedAt' | 'done' | 'status'>): string {
  const key = `${t.kind}-${++seq}`;
  const transfer: Transfer = { ...t, key, done: 0, status: 'running', startedAt: Date.now() };
  useTransfers.setState((s) => ({ transfers: [...s.transfers, transfer].slice(-50) }));
  return key;
}

const patch = (key: string, p: Partial<Transfer>) => useTransfers.getState().patch(key, p);
const get = (key: string) => useTransfers.getState().transfers.find((t) => t.key === key);

/**
 * Uploads `file` into folder `parent` (its id, "" for the root) with the
 * resumable protocol, in chunks, showing the bytes the server confirmed.
 */
export function startUpload(org: string, file: File, parent: string, folderPath: string, overwrite = false): string {
  const key = add({ org, kind: 'upload', name: file.name, folderPath, size: file.size });
  running.set(key, { file, parent, overwrite });
  void runUpload(key);
  return key;
}

/** Tries a failed upload again: the same session from the server's offset, or a new one (optionally replacing a file of that name). */
export function retryUpload(key: string, overwrite?: boolean): void {
  const r = running.get(key);
  const t = get(key);
  if (!r?.file || !t || t.status === 'running') return;
  if (overwrite !== undefined && overwrite !== r.overwrite) {
    r.overwrite = overwrite;
    r.upload = undefined; // a new session, asking to replace
  }
  patch(key, { status: 'running', error: undefined, code: undefined });
  void runUpload(key);
}

async function runUpload(key: string): Promise<void> {
  const r = running.get(key);
  const t = get(key);
  if (!r?.file || !t) return;
  const { org } = t;
  r.upload ??= new ChunkedUpload<FileEntry>(
    r.file,
    {
      create: (signal) =>
        filesApi.createUpload(org, { parent: r.parent ?? '', name: r.file!.name, size: r.file!.size, ...(r.overwrite ? { overwrite: true } : {}) }, signal),
      offset: (id, signal) => filesApi.uploadOffset(org, id, signal),
      patch: (id, offset, chunk, signal) => filesApi.uploadChunk(org, id, offset, chunk, signal),
      complete: (id, signal) => filesApi.completeUpload(org, id, signal),
    },
    {
      onSession: (id) => patch(key, { uploadId: id }),
      onProgress: (n) => patch(key, { done: n }),
    },
  );
  try {
    const entry = await r.upload.run();
    patch(key, { status: 'completed', done: t.size, file: entry });
    running.delete(key);
  } catch (err) {
    if (r.upload.aborted) {
      patch(key, { status: 'cancelled' });
      running.delete(key);
      // After the chunk in flight ended, so the server is not still writing to it.
      if (r.upload.id) void dropSession(org, r.upload.id);
    } else {
      patch(key, { status: 'failed', error: errorMessage(err), code: err instanceof ApiError ? err.code : undefined });
      // A refusal (a bad name, the quota, a session that expired) ends the
      // session: a retry opens a new one. Otherwise it resumes this one.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && ![408, 409, 429].includes(err.status)) r.upload = undefined;
    }
  } finally {
    void queryClient.invalidateQueries({ queryKey: qk.files(org) });
  }
}

/**
 * Downloads a file: asks for a single-use link and hands it to the browser,
 * which saves the bytes to disk as they arrive and shows their progress in
 * its downloads. The transfer is done once the browser has the link.
 */
export function startDownload(org: string, entry: FileEntry): string {
  const folderPath = entry.path ? entry.path.slice(0, entry.path.lastIndexOf('/')) || '/' : '/';
  const key = add({ org, kind: 'download', name: entry.name, folderPath, size: entry.size, file: entry });
  const abort = new AbortController();
  running.set(key, { abort });
  filesApi
    .downloadLink(org, entry.id, abort.signal)
    .then((link) => {
      openDownload(link.url, entry.name);
      patch(key, { status: 'completed', done: entry.size });
    })
    .catch((err) => patch(key, abort.signal.aborted ? { status: 'cancelled' } : { status: 'failed', error: errorMessage(err) }))
    .finally(() => running.delete(key));
  return key;
}

/** Stops a transfer; an upload's session is dropped on the server too. */
export function cancelTransfer(key: string): void {
  const r = running.get(key);
  const t = get(key);
  if (!t) return;
  if (t.status === 'running') {
    // The transfer's own catch marks it cancelled (and drops an upload's session).
    r?.abort?.abort();
    r?.upload?.abort();
    return;
  }
  // A failed upload being given up: its session (and the quota it holds) goes too.
  if (t.kind === 'upload' && t.status === 'failed' && r?.upload?.id) void dropSession(t.org, r.upload.id);
  running.delete(key);
  dismissTransfer(key);
}

/** Ends an upload session on the server; a chunk still being written (409) is waited for. */
async function dropSession(org: string, id: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    try {
      await filesApi.cancelUpload(org, id);
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) return;
      await new Promise((r) => setTimeout(r, 300 * (i + 1)));
    }
  }
}

/** Removes a finished transfer from the list. */
export function dismissTransfer(key: string): void {
  useTransfers.setState((s) => ({ transfers: s.transfers.filter((t) => t.key !== key) }));
}

/** Takes a `file.upload.progress` event: bytes the server holds of one of ours, between chunk answers. */
export function uploadProgressEvent(org: string, uploadId: string, bytes: number): void {
  const t = useTransfers.getState().transfers.find((x) => x.org === org && x.uploadId === uploadId && x.status === 'running');
  if (t && bytes > t.done) patch(t.key, { done: Math.min(bytes, t.size) });
}
