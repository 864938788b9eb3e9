// The client side of the files plugin's resumable upload protocol:
//   POST /uploads {name, size}      -> a session {id, offset: 0}
//   PATCH /uploads/{id}             a chunk; Upload-Offset says where it starts
//   GET /uploads/{id}               the offset the server holds
//   POST /uploads/{id}/complete     -> the file
// The server keeps whatever part of a chunk reached it before a connection
// broke, so after a failure the upload goes on from the server's offset,
// never from what the client believes it sent.

const MiB = 1024 * 1024;

/** The calls an upload makes; filesApi provides them, tests fake them. */
export interface UploadTransport<R> {
  create(signal: AbortSignal): Promise<{ id: string; offset: number }>;
  offset(id: string, signal: AbortSignal): Promise<number>;
  /** Sends `chunk` at `offset`; resolves to the server's new offset. */
  patch(id: string, offset: number, chunk: Blob, signal: AbortSignal): Promise<number>;
  complete(id: string, signal: AbortSignal): Promise<R>;
}

export interface ChunkedUploadOptions {
  /** Bytes per PATCH (chooseChunkSize(size) by default). */
  chunkSize?: number;
  /** Failures in a row, without any byte getting through, before giving up (5). */
  maxRetries?: number;
  /** Wait before the n-th retry in a row (1-based): 500 ms doubling, at most 8 s. */
  retryDelayMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The bytes the server confirmed holding, after every chunk. */
  onProgress?: (confirmed: number, total: number) => void;
  /** The session, as soon as the server opened it. */
  onSession?: (id: string) => void;
}

/**
 * A chunk size for a file of `size` bytes: 1 MiB chunks (so progress moves
 * and a broken connection costs little) up to 64 MiB files, then larger
 * ones so a big file takes at most about 64 requests, capped at 16 MiB.
 */
export function chooseChunkSize(size: number): number {
  if (size <= 64 * MiB) return MiB;
  return Math.min(16 * MiB, Math.ceil(size / 64 / MiB) * MiB);
}

/** An error that carries the offset to resume from (a 409 for a chunk at the wrong offset). */
function offsetOf(err: unknown): number | null {
  const o = (err as { offset?: unknown } | null)?.offset;
  return typeof o === 'number' && Number.isSafeInteger(o) && o >= 0 ? o : null;
}

/**
 * Whether another try may succeed: no answer (network), a server or gateway
 * failure, a throttle, or, once the session is open, a conflict (the chunk
 * went to the wrong offset, or another request was still writing). Refusals
 * (bad input, quota, a session that is gone, permissions) are final, and so
 * is a conflict when opening the session: the name is taken.
 */
export function isRetryable(err: unknown, opening = false): boolean {
  if (isAbort(err)) return false;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number') return true; // not an HTTP answer: a network error
  return status === 0 || status >= 500 || status === 408 || status === 429 || (status === 409 && !opening);
}

function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}

const defaultDelay = (attempt: number) => Math.min(8_000, 500 * 2 ** (attempt - 1));

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * One file's resumable upload. `run()` opens the session (the first time)
 * and sends the file chunk by chunk; after a retryable failure it asks the
 * server for its offset (or takes the one a 409 names) and goes on from
 * there. When it gives up, the session stays open on the server: calling
 * `run()` again resumes it from the server's offset. `abort()` stops the
 * transfer (the caller cancels the session on the server if it wants to).
 */
export class ChunkedUpload<R> {
  /** The server's session id, once opened. */
  id: string | null = null;
  /** Bytes the server confirmed holding. */
  offset = 0;
  readonly size: number;
  private controller = new AbortController();
  private readonly chunkSize: number;

  constructor(
    private readonly file: Blob,
    private readonly transport: UploadTransport<R>,
    private readonly opts: ChunkedUploadOptions = {},
  ) {
    this.size = file.size;
    this.chunkSize = Math.max(1, opts.chunkSize ?? chooseChunkSize(file.size));
  }

  abort(): void {
    this.controller.abort(new DOMException('The upload was cancelled', 'AbortError'));
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<R> {
    if (this.controller.signal.aborted) this.controller = new AbortController();
    const signal = this.controller.signal;
    const maxRetries = this.opts.maxRetries ?? 5;
    const delay = this.opts.retryDelayMs ?? defaultDelay;
    const sleep = this.opts.sleep ?? defaultSleep;
    let failures = 0;
    let ask = this.id !== null; // resuming: the server says where we are

    const failed = async (err: unknown) => {
      if (signal.aborted || isAbort(err) || !isRetryable(err, this.id === null) || ++failures > maxRetries) throw err;
      await sleep(delay(failures), signal);
      const at = offsetOf(err);
      if (at !== null) this.setOffset(at);
      else ask = true;
    };

    for (;;) {
      try {
        signal.throwIfAborted();
        if (this.id === null) {
          const s = await this.transport.create(signal);
          this.id = s.id;
          this.opts.onSession?.(s.id);
          this.setOffset(s.offset);
        } else if (ask) {
          this.setOffset(await this.transport.offset(this.id, signal));
        }
        ask = false;
        if (this.offset < this.size) {
          const end = Math.min(this.size, this.offset + this.chunkSize);
          const next = await this.transport.patch(this.id, this.offset, this.file.slice(this.offset, end), signal);
          if (next <= this.offset) throw new Error(`the server took none of the chunk at ${this.offset}`);
          failures = 0;
          this.setOffset(next);
          continue;
        }
        return await this.transport.complete(this.id, signal);
      } catch (err) {
        await failed(err);
      }
    }
  }

  private setOffset(n: number) {
    this.offset = Math.min(Math.max(0, n), this.size);
    this.opts.onProgress?.(this.offset, this.size);
  }
}
