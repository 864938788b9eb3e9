// The files plugin's HTTP API, which the core proxies below
// /orgs/{org}/plugins/files/http (bodies stream both ways). The shapes are
// the plugin's own (plugins/files/internal/filesplugin), not part of the
// core's OpenAPI document, so they are written out here.
import { ApiError, errorFromResponse } from './errors';
import { api, orgPath } from './instance';
import type { PluginLink, PluginLinkRequest } from './types';

export type EntryKind = 'file' | 'folder';

/** A file or folder; `parent` is its folder's id ("" is the root). */
export interface FileEntry {
  id: string;
  kind: EntryKind;
  name: string;
  parent: string;
  path?: string;
  size: number;
  sha256?: string;
  content_type?: string;
  created_at: string;
  created_by?: string;
  updated_at: string;
  deleted_at?: string;
  /** Trash entries: when the sweeper deletes it for good. */
  purge_at?: string;
}

/** GET /entries: the folder (the root has no id) and its children, folders first. */
export interface FolderListing {
  folder: FileEntry;
  items: FileEntry[];
}

export interface TrashListing {
  items: FileEntry[];
  /** How long deleted entries are kept, as a Go duration ("720h0m0s"). */
  retention: string;
}

export interface FilesUsage {
  used_bytes: number;
  reserved_bytes: number;
  quota_bytes: number;
  max_file_bytes: number;
  files: number;
  folders: number;
}

/** A resumable upload session (POST /uploads, GET/PATCH /uploads/{id}). */
export interface UploadSession {
  id: string;
  name: string;
  offset: number;
  size: number;
  expires_at: string;
}

export const filesPath = (slug: string, rest: string) => orgPath(slug, `/plugins/files/http${rest}`);
const seg = encodeURIComponent;

/** A non-2xx answer as an ApiError carrying the server's Upload-Offset, when it sent one. */
export class UploadError extends ApiError {
  readonly offset: number | null;
  constructor(err: ApiError, offset: number | null) {
    super(err.status, err.code, err.message, err.field);
    this.name = 'UploadError';
    this.offset = offset;
  }
}

function headerOffset(res: Response): number | null {
  const v = res.headers.get('Upload-Offset');
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

async function uploadFailure(res: Response): Promise<UploadError> {
  return new UploadError(await errorFromResponse(res), headerOffset(res));
}

export const filesApi = {
  /** A folder by path ("/" or "" is the root) and its children. */
  list: (slug: string, path: string, signal?: AbortSignal) =>
    api.get<FolderListing>(filesPath(slug, '/entries'), path && path !== '/' ? { path } : {}, signal),
  mkdir: (slug: string, parent: string, name: string) => api.post<FileEntry>(filesPath(slug, '/folders'), { parent, name }),
  rename: (slug: string, id: string, name: string) => api.patch<FileEntry>(filesPath(slug, `/entries/${seg(id)}`), { name }),
  /** Moves an entry (a folder with everything below it) to the trash. */
  remove: (slug: string, id: string) => api.delete<FileEntry>(filesPath(slug, `/entries/${seg(id)}`)),
  trash: (slug: string) => api.get<TrashListing>(filesPath(slug, '/trash')),
  restore: (slug: string, id: string) => api.post<FileEntry>(filesPath(slug, `/trash/${seg(id)}/restore`), {}),
  /** Deletes a trashed entry for good (owners and admins). */
  purge: (slug: string, id: string) => api.delete<{ id: string; files: number; bytes: number }>(filesPath(slug, `/trash/${seg(id)}`)),
  usage: (slug: string) => api.get<FilesUsage>(filesPath(slug, '/usage')),

  /**
   * Opens a resumable upload of `size` bytes into folder `parent`; the size
   * is held from the quota until it completes (413 quota_exceeded when it
   * does not fit, 409 when the name is taken and `overwrite` is not set).
   */
  async createUpload(slug: string, input: { parent: string; name: string; size: number; overwrite?: boolean }, signal?: AbortSignal): Promise<UploadSession> {
    const res = await api.raw('POST', filesPath(slug, '/uploads'), { body: input, signal });
    if (!res.ok) throw await uploadFailure(res);
    return (await res.json()) as UploadSession;
  },
  /** How many bytes the server holds of an upload (its Upload-Offset). */
  async uploadOffset(slug: string, id: string, signal?: AbortSignal): Promise<number> {
    const res = await api.raw('GET', filesPath(slug, `/uploads/${seg(id)}`), { signal });
    if (!res.ok) throw await uploadFailure(res);
    return headerOffset(res) ?? ((await res.json()) as UploadSession).offset;
  },
  /**
   * Appends a chunk at `offset` and returns the new offset. A chunk sent at
   * the wrong offset is refused (409) with the offset to resume from.
   */
  async uploadChunk(slug: string, id: string, offset: number, chunk: Blob, signal?: AbortSignal): Promise<number> {
    const res = await api.raw('PATCH', filesPath(slug, `/uploads/${seg(id)}`), {
      rawBody: chunk,
      headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) },
      signal,
    });
    if (!res.ok) throw await uploadFailure(res);
    return headerOffset(res) ?? ((await res.json()) as UploadSession).offset;
  },
  async completeUpload(slug: string, id: string, signal?: AbortSignal): Promise<FileEntry> {
    const res = await api.raw('POST', filesPath(slug, `/uploads/${seg(id)}/complete`), { signal });
    if (!res.ok) throw await uploadFailure(res);
    return (await res.json()) as FileEntry;
  },
  cancelUpload: (slug: string, id: string) => api.delete(filesPath(slug, `/uploads/${seg(id)}`)),

  /**
   * A single-use link to a file's bytes. The browser downloads it itself
   * (`openDownload`), straight to disk with its own progress, so a large file
   * never sits in the tab's memory; the access token stays out of the URL.
   */
  downloadLink: (slug: string, id: string, signal?: AbortSignal) =>
    api.post<PluginLink>(orgPath(slug, '/plugins/files/links'), { path: `/files/${seg(id)}/content` } satisfies PluginLinkRequest, { signal }),
};

/** Lets the browser download `url` (same origin) as a file named `name`. */
export function openDownload(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}
