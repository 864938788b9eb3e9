import { describe, expect, it, vi } from 'vitest';
import { ChunkedUpload, chooseChunkSize, isRetryable, type UploadTransport } from './chunkedUpload';

const MiB = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly offset: number | null = null,
  ) {
    super(message);
  }
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251);

async function read(b: Blob): Promise<Uint8Array> {
  return new Uint8Array(await b.arrayBuffer());
}

/**
 * A server holding one upload's bytes, like the files plugin: a chunk must
 * start at the offset it holds (else 409 naming it), and `cutAfter` makes
 * the next PATCH keep only that many bytes and then fail like a dropped
 * connection.
 */
function fakeServer(size: number) {
  const held: number[] = [];
  const calls: string[] = [];
  let cutAfter: number | null = null;
  const transport: UploadTransport<{ size: number; data: number[] }> = {
    create: vi.fn(async () => {
      calls.push('create');
      return { id: 'up1', offset: 0 };
    }),
    offset: vi.fn(async () => {
      calls.push(`offset=${held.length}`);
      return held.length;
    }),
    patch: vi.fn(async (_id: string, offset: number, chunk: Blob) => {
      calls.push(`patch@${offset}+${chunk.size}`);
      if (offset !== held.length) throw new HttpError(409, 'wrong offset', held.length);
      const data = await read(chunk);
      if (cutAfter !== null) {
        held.push(...data.slice(0, cutAfter));
        cutAfter = null;
        throw new TypeError('Failed to fetch');
      }
      held.push(...data);
      return held.length;
    }),
    complete: vi.fn(async () => {
      calls.push('complete');
      if (held.length !== size) throw new HttpError(409, 'incomplete', held.length);
      return { size: held.length, data: held };
    }),
  };
  return {
    transport,
    calls,
    held,
    cutNextAfter: (n: number) => {
      cutAfter = n;
    },
  };
}

const noSleep = async () => {};

describe('chooseChunkSize', () => {
  it('uses 1 MiB chunks up to 64 MiB, then about 64 chunks, at most 16 MiB', () => {
    expect(chooseChunkSize(0)).toBe(MiB);
    expect(chooseChunkSize(5 * MiB)).toBe(MiB);
    expect(chooseChunkSize(64 * MiB)).toBe(MiB);
    expect(chooseChunkSize(200 * MiB)).toBe(4 * MiB);
    expect(chooseChunkSize(10 * 1024 * MiB)).toBe(16 * MiB);
  });
});

describe('isRetryable', () => {
  it('retries network failures, 5xx, 408, 429 and offset conflicts; not refusals', () => {
    expect(isRetryable(new TypeError('Failed to fetch'))).toBe(true);
    for (const s of [0, 500, 502, 503, 408, 429, 409]) expect(isRetryable(new HttpError(s, 'x'))).toBe(true);
    for (const s of [400, 403, 404, 413, 422]) expect(isRetryable(new HttpError(s, 'x'))).toBe(false);
    expect(isRetryable(new DOMException('stop', 'AbortError'))).toBe(false);
    // Opening the session, a conflict means the name is taken.
    expect(isRetryable(new HttpError(409, 'exists'), true)).toBe(false);
    expect(isRetryable(new HttpError(503, 'x'), true)).toBe(true);
  });
});

describe('ChunkedUpload', () => {
  it('sends the file in chunks at increasing offsets, then completes', async () => {
    const data = bytes(10_000);
    const srv = fakeServer(data.length);
    const progress: number[] = [];
    const up = new ChunkedUpload(new Blob([data]), srv.transport, { chunkSize: 4096, onProgress: (n) => progress.push(n) });
    const out = await up.run();
    expect(srv.calls).toEqual(['create', 'patch@0+4096', 'patch@4096+4096', 'patch@8192+1808', 'complete']);
    expect(progress).toEqual([0, 4096, 8192, 10_000]);
    expect(out.data).toEqual([...data]);
    expect(up.id).toBe('up1');
  });

  it('an empty file opens a session and completes it', async () => {
    const srv = fakeServer(0);
    await new ChunkedUpload(new Blob([]), srv.transport).run();
    expect(srv.calls).toEqual(['create', 'complete']);
  });

  it('after a broken chunk, resumes from the offset the server holds', async () => {
    const data = bytes(10_000);
    const srv = fakeServer(data.length);
    const up = new ChunkedUpload(new Blob([data]), srv.transport, { chunkSize: 4096, sleep: noSleep });
    // The second chunk breaks after 1000 of its bytes reached the server.
    let n = 0;
    const patch = srv.transport.patch;
    srv.transport.patch = vi.fn(async (...args: Parameters<typeof patch>) => {
      if (++n === 2) srv.cutNextAfter(1000);
      return patch(...args);
    });
    const out = await up.run();
    expect(srv.calls).toEqual([
      'create',
      'patch@0+4096',
      'patch@4096+4096', // 1000 bytes kept, then the connection broke
      'offset=5096',
      'patch@5096+4096',
      'patch@9192+808',
      'complete',
    ]);
    expect(out.data).toEqual([...data]);
  });

  it('takes the offset a 409 names without asking', async () => {
    const data = bytes(3000);
    const srv = fakeServer(data.length);
    srv.held.push(...data.slice(0, 1500)); // e.g. another tab sent these
    const up = new ChunkedUpload(new Blob([data]), srv.transport, { chunkSize: 1000, sleep: noSleep });
    await up.run();
    expect(srv.calls).toEqual(['create', 'patch@0+1000', 'patch@1500+1000', 'patch@2500+500', 'complete']);
    expect(srv.held).toEqual([...data]);
  });

  it('gives up after maxRetries failures in a row, and run() resumes from the server offset', async () => {
    const data = bytes(5000);
    const srv = fakeServer(data.length);
    const sleep = vi.fn(noSleep);
    const up = new ChunkedUpload(new Blob([data]), srv.transport, { chunkSize: 2000, maxRetries: 2, sleep });
    const patch = srv.transport.patch;
    let down = false;
    srv.transport.patch = vi.fn(async (...args: Parameters<typeof patch>) => {
      if (down) throw new HttpError(503, 'unavailable');
      const r = await patch(...args);
      down = true; // the server goes away after the first chunk
      return r;
    });
    await expect(up.run()).rejects.toThrow('unavailable');
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(up.offset).toBe(2000);

    down = false;
    srv.transport.patch = patch;
    srv.calls.length = 0;
    const out = await up.run();
    expect(srv.calls).toEqual(['offset=2000', 'patch@2000+2000', 'patch@4000+1000', 'complete']);
    expect(out.data).toEqual([...data]);
  });

  it('does not retry a taken name when opening the session', async () => {
    const srv = fakeServer(10);
    srv.transport.create = vi.fn(async () => {
      throw new HttpError(409, 'file "a.bin" exists already');
    });
    const sleep = vi.fn(noSleep);
    await expect(new ChunkedUpload(new Blob([bytes(10)]), srv.transport, { sleep }).run()).rejects.toThrow('exists already');
    expect(srv.transport.create).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('does not retry a refusal (quota) and stops on abort', async () => {
    const srv = fakeServer(10);
    srv.transport.create = vi.fn(async () => {
      throw new HttpError(413, 'Storage quota exceeded');
    });
    const sleep = vi.fn(noSleep);
    await expect(new ChunkedUpload(new Blob([bytes(10)]), srv.transport, { sleep }).run()).rejects.toThrow('quota');
    expect(sleep).not.toHaveBeenCalled();

    const srv2 = fakeServer(10_000);
    const up = new ChunkedUpload(new Blob([bytes(10_000)]), srv2.transport, { chunkSize: 1000, sleep });
    const patch = srv2.transport.patch;
    srv2.transport.patch = vi.fn(async (...args: Parameters<typeof patch>) => {
      up.abort();
      return patch(...args);
    });
    await expect(up.run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(srv2.calls).toEqual(['create', 'patch@0+1000']);
  });
});
