import { describe, expect, it, vi } from 'vitest';
import { RealtimeClient, parseFrame, type History, type RealtimeOptions } from './client';
import { FakeSocket, ManualClock, flush } from './testing';
import type { RealtimeEvent } from './types';

function setup(opts: Partial<RealtimeOptions> = {}, random = () => 0.5, listenAll = true) {
  const clock = new ManualClock();
  const sockets: FakeSocket[] = [];
  let ticketNo = 0;
  const fetchTicket = vi.fn(async (): Promise<{ ticket: string; expires_in: number; url?: string }> => ({ ticket: `t${++ticketNo}`, expires_in: 30 }));
  const history: { next: History | Error } = { next: { items: [], seq: 0, epoch: 'e1' } };
  const fetchHistory = vi.fn(async (_p: { since?: number; types?: string[]; limit: number }) => {
    if (history.next instanceof Error) throw history.next;
    return history.next;
  });
  const client = new RealtimeClient(
    {
      fetchTicket,
      fetchHistory,
      socketUrl: (t) => `ws://test/api/v1/orgs/acme/ws?ticket=${t}`,
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      timers: clock,
      now: () => clock.now,
      random,
    },
    opts,
  );
  const events: RealtimeEvent[] = [];
  if (listenAll) client.subscribe('*', (e) => events.push(e));
  const reloads: string[] = [];
  client.onReload((r) => reloads.push(r));
  const last = () => sockets[sockets.length - 1];

  /** Start (or continue) an attempt and complete the handshake. */
  async function connect(seq: number, epoch = 'e1') {
    await flush();
    const s = last();
    s.open();
    s.receive({ type: 'connection_status', data: { status: 'connected', user_id: 'u1', org: 'acme', seq, epoch } });
    return s;
  }
  const event = (seq: number, type = 'user.activity') => ({
    type,
    id: `ev${seq}`,
    seq,
    timestamp: new Date(0).toISOString(),
    data: { n: seq },
  });
  return { client, clock, sockets, fetchTicket, fetchHistory, history, events, reloads, last, connect, event };
}

describe('RealtimeClient: connecting', () => {
  it('fetches a ticket, opens the socket with it and reports connected', async () => {
    const t = setup();
    const states: string[] = [];
    t.client.onState((s) => states.push(s.status));
    t.client.start();
    expect(t.client.getState().status).toBe('connecting');
    const s = await t.connect(10);
    expect(s.url).toBe('ws://test/api/v1/orgs/acme/ws?ticket=t1');
    expect(t.client.getState().status).toBe('connected');
    expect(t.client.getStats()).toMatchObject({ lastSeq: 10, epoch: 'e1' });
    expect(states).toEqual(['connecting', 'connected']);
  });

  it('delivers events in order and drops duplicates', async () => {
    const t = setup();
    t.client.start();
    const s = await t.connect(10);
    s.receive(t.event(11));
    s.receive(t.event(11));
    s.receive(t.event(9));
    s.receive(t.event(12));
    expect(t.events.map((e) => e.seq)).toEqual([11, 12]);
  });
});

describe('RealtimeClient: backoff', () => {
  it('waits base delay with jitter inside [d/2, d] before the first retry', async () => {
    for (const random of [() => 0, () => 0.999]) {
      const t = setup({ backoffBaseMs: 1000 }, random);
      t.client.start();
      const s = await t.connect(1);
      s.serverClose(1006);
      const state = t.client.getState();
      expect(state.status).toBe('reconnecting');
      if (state.status !== 'reconnecting') return;
      const delay = state.retryAt - t.clock.now;
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1000);
      expect(t.fetchTicket).toHaveBeenCalledTimes(1);
      t.clock.advance(delay);
      await flush();
      expect(t.fetchTicket).toHaveBeenCalledTimes(2);
    }
  });

  it('doubles the delay per failed attempt up to the cap', async () => {
    const t = setup({ backoffBaseMs: 1000, backoffMaxMs: 8000, maxAttempts: 20 }, () => 1);
    t.client.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await flush();
      t.last().serverClose(1006); // handshake never completes
      const st = t.client.getState();
      if (st.status !== 'reconnecting') throw new Error(`expected reconnecting, got ${st.status}`);
      delays.push(st.retryAt - t.clock.now);
      t.clock.advance(st.retryAt - t.clock.now);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  it('falls back to polling after maxAttempts failed attempts and says why', async () => {
    const t = setup({ maxAttempts: 3 });
    t.client.start();
    for (let i = 0; i < 3; i++) {
      await flush();
      t.last().serverClose(1006);
      const st = t.client.getState();
      if (st.status === 'reconnecting') t.clock.advance(st.retryAt - t.clock.now);
    }
    const st = t.client.getState();
    expect(st.status).toBe('polling');
    if (st.status === 'polling') expect(st.reason).toMatch(/failed 3 times/);
    expect(t.sockets).toHaveLength(3);
  });

  it('waits at least the overload delay after 1013', async () => {
    const t = setup({ overloadedMinDelayMs: 5000, backoffBaseMs: 1000 });
    t.client.start();
    const s = await t.connect(1);
    s.serverClose(1013, 'busy');
    const st = t.client.getState();
    expect(st.status).toBe('reconnecting');
    if (st.status === 'reconnecting') expect(st.retryAt - t.clock.now).toBeGreaterThanOrEqual(5000);
  });
});

describe('RealtimeClient: resume', () => {
  it('resumes from the last seq and epoch after a reconnect', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.receive(t.event(6));
    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(9);
    expect(s.sentOfType('resume')).toEqual([{ type: 'resume', since: 6, epoch: 'e1' }]);
    s.receive(t.event(7));
    s.receive(t.event(8));
    s.receive(t.event(8));
    s.receive(t.event(9));
    s.receive({ type: 'resumed', data: {} });
    expect(t.events.map((e) => e.seq)).toEqual([6, 7, 8, 9]);
    expect(t.reloads).toEqual([]);
    expect(t.client.getStats().lastSeq).toBe(9);
  });

  it('sends resume as the first message (the server only honours it first), then subscribes', async () => {
    const t = setup({}, () => 0.5, false);
    t.client.subscribe('custom.*', () => {});
    t.client.start();
    let s = await t.connect(5);
    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(9);
    expect(s.sent.map((f) => (f as { type: string }).type)).toEqual(['resume', 'subscribe']);
    expect(s.sent[0]).toEqual({ type: 'resume', since: 5, epoch: 'e1' });
  });

  it('opens a fresh connection with a message at once, so the server releases live events', async () => {
    const t = setup(); // one listener for everything: no subscription to send
    t.client.start();
    const s = await t.connect(5);
    expect(s.sent).toEqual([{ type: 'ping' }]);
    const u = setup({}, () => 0.5, false);
    u.client.subscribe('sync.*', () => {});
    u.client.start();
    const s2 = await u.connect(5);
    expect(s2.sent).toEqual([{ type: 'subscribe', events: ['sync.*'] }]);
  });

  it('takes the position from `resumed` and ignores replayed duplicates', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(8);
    s.receive(t.event(6));
    s.receive(t.event(7));
    s.receive({ type: 'resumed', data: { seq: 8, replayed: 2 } });
    s.receive(t.event(7));
    s.receive(t.event(9));
    expect(t.events.map((e) => e.seq)).toEqual([6, 7, 9]);
    expect(t.client.getStats().lastSeq).toBe(9);
  });

  it('opens the socket at the path the ticket answer gives', async () => {
    const t = setup();
    t.fetchTicket.mockResolvedValueOnce({ ticket: 'tx', expires_in: 30, url: '/api/v1/orgs/acme/ws?ticket=tx' });
    const urls: string[] = [];
    const client = new RealtimeClient({
      fetchTicket: t.fetchTicket,
      fetchHistory: t.fetchHistory,
      socketUrl: (ticket, path) => {
        urls.push(`${ticket}|${path ?? ''}`);
        return `ws://test${path}`;
      },
      createSocket: (url) => new FakeSocket(url),
      timers: t.clock,
    });
    client.start();
    await flush();
    expect(urls).toEqual(['tx|/api/v1/orgs/acme/ws?ticket=tx']);
    client.stop();
  });

  it('reports the position to stats listeners at most twice a second', async () => {
    const t = setup();
    const seen: Array<number | null> = [];
    t.client.onStats((st) => seen.push(st.lastSeq));
    t.client.start();
    const s = await t.connect(1);
    seen.length = 0;
    for (let i = 2; i <= 50; i++) s.receive(t.event(i));
    expect(seen).toEqual([]);
    t.clock.advance(500);
    expect(seen).toEqual([50]);
  });

  it('does not send resume when nothing was missed', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.serverClose(1001);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(5);
    expect(s.sentOfType('resume')).toEqual([]);
  });

  it('emits a reload signal on resume_failed and carries on from the server position', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(500);
    // The server answers with its head at that moment; live events after the
    // connection_status seq still follow, so the client goes on from there.
    s.receive({ type: 'resume_failed', data: { reason: 'too old', seq: 503, epoch: 'e1' } });
    expect(t.reloads).toEqual(['resume_failed']);
    s.receive(t.event(501));
    expect(t.events.map((e) => e.seq)).toEqual([501]);
  });

  it('emits a reload signal when the epoch changed, without a doomed resume', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5, 'e1');
    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(3, 'e2');
    expect(s.sentOfType('resume')).toEqual([]);
    expect(t.reloads).toEqual(['epoch_changed']);
    expect(t.client.getStats()).toMatchObject({ lastSeq: 3, epoch: 'e2' });
  });

  it('reconnects immediately after 4008 (too slow) and resumes from the last seq', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.receive(t.event(6));
    s.serverClose(4008, 'too slow');
    expect(t.client.getState().status).toBe('connecting');
    // No timer needs to fire: the new attempt is already under way.
    s = await t.connect(20);
    expect(t.fetchTicket).toHaveBeenCalledTimes(2);
    expect(s.sentOfType('resume')).toEqual([{ type: 'resume', since: 6, epoch: 'e1' }]);
  });

  it('backs off if 4008 repeats quickly instead of looping', async () => {
    const t = setup();
    t.client.start();
    let s = await t.connect(5);
    s.serverClose(4008);
    s = await t.connect(5);
    s.serverClose(4008);
    expect(t.client.getState().status).toBe('reconnecting');
  });
});

describe('RealtimeClient: polling fallback', () => {
  it('polls GET /events?since= after a 1008 policy close and delivers events', async () => {
    const t = setup({ pollIntervalMs: 5000 });
    t.client.start();
    const s = await t.connect(5);
    t.history.next = {
      items: [t.event(7) as RealtimeEvent, t.event(6) as RealtimeEvent],
      seq: 7,
      epoch: 'e1',
    };
    s.serverClose(1008, 'origin not allowed');
    const st = t.client.getState();
    expect(st.status).toBe('polling');
    if (st.status === 'polling') expect(st.reason).toMatch(/origin not allowed/);
    await flush();
    expect(t.fetchHistory).toHaveBeenLastCalledWith({ since: 5, types: undefined, limit: 200 });
    expect(t.events.map((e) => e.seq)).toEqual([6, 7]);

    t.history.next = { items: [t.event(8) as RealtimeEvent], seq: 8, epoch: 'e1' };
    t.clock.advance(5000);
    await flush();
    expect(t.fetchHistory).toHaveBeenLastCalledWith({ since: 7, types: undefined, limit: 200 });
    expect(t.events.map((e) => e.seq)).toEqual([6, 7, 8]);
  });

  it('learns the position first when it never connected', async () => {
    const t = setup({ maxAttempts: 1 });
    t.client.start();
    t.history.next = { items: [t.event(40) as RealtimeEvent], seq: 41, epoch: 'e9' };
    await flush();
    t.last().serverClose(1006);
    await flush();
    expect(t.client.getState().status).toBe('polling');
    expect(t.fetchHistory).toHaveBeenCalledWith({ limit: 1 });
    expect(t.events).toEqual([]); // history is not replayed as live
    expect(t.client.getStats()).toMatchObject({ lastSeq: 41, epoch: 'e9' });
  });

  it('retries the socket while polling and stops polling once it is back', async () => {
    const t = setup({ socketRetryWhilePollingMs: 60_000, pollIntervalMs: 5000 });
    t.client.start();
    let s = await t.connect(5);
    t.history.next = { items: [], seq: 5, epoch: 'e1' };
    s.serverClose(1008);
    await flush();
    t.clock.advance(60_000);
    await flush();
    const pollsBefore = t.fetchHistory.mock.calls.length;
    s = await t.connect(5);
    expect(t.client.getState().status).toBe('connected');
    t.clock.advance(30_000 - 1);
    await flush();
    expect(t.fetchHistory.mock.calls.length).toBe(pollsBefore);
    expect(s.url).toContain('ticket=t2');
  });

  it('asks the server only for exact subscribed types', async () => {
    const t = setup({}, () => 0.5, false);
    t.client.subscribe(['sync.update', 'notification'], () => {});
    t.client.start();
    const s = await t.connect(1);
    s.serverClose(1008);
    await flush();
    expect(t.fetchHistory).toHaveBeenLastCalledWith({ since: 1, types: ['sync.update', 'notification'], limit: 200 });
  });
});

describe('RealtimeClient: frames, heartbeat, subscriptions', () => {
  it('ignores malformed frames and counts them', async () => {
    const t = setup();
    t.client.start();
    const s = await t.connect(1);
    s.receive('not json');
    s.receive('[]');
    s.receive('{"no":"type"}');
    s.receive('{"type":"x","seq":"7"}');
    s.onmessage?.({ data: new ArrayBuffer(2) });
    s.receive(t.event(2));
    expect(t.client.getStats().malformedFrames).toBe(5);
    expect(t.client.getState().status).toBe('connected');
    expect(t.events.map((e) => e.seq)).toEqual([2]);
  });

  it('counts server error frames without disconnecting', async () => {
    const t = setup();
    t.client.start();
    const s = await t.connect(1);
    s.receive({ type: 'error', data: { code: 'bad_frame', message: 'unknown type' } });
    expect(t.client.getStats()).toMatchObject({ serverErrors: 1, lastServerError: { code: 'bad_frame' } });
    expect(t.client.getState().status).toBe('connected');
  });

  it('pings every 30 s and reconnects when the connection goes silent', async () => {
    const t = setup();
    t.client.start();
    const s = await t.connect(1);
    const opening = s.sentOfType('ping').length; // the opening message
    t.clock.advance(30_000);
    expect(s.sentOfType('ping')).toHaveLength(opening + 1);
    s.receive({ type: 'pong' });
    t.clock.advance(30_000);
    expect(s.sentOfType('ping')).toHaveLength(opening + 2);
    t.clock.advance(10_000); // no pong
    expect(s.closedWith?.code).toBe(4000);
    expect(t.client.getState().status).toBe('reconnecting');
  });

  it('gives up on a socket that never completes the handshake', async () => {
    const t = setup({ connectTimeoutMs: 10_000 });
    t.client.start();
    await flush();
    t.last().open();
    t.clock.advance(10_000);
    expect(t.client.getState().status).toBe('reconnecting');
  });

  it('subscribes to the union of listener patterns and re-subscribes after reconnect', async () => {
    const t = setup({}, () => 0.5, false);
    const got: string[] = [];
    const offSync = t.client.subscribe('sync.*', (e) => got.push(e.type));
    t.client.subscribe('notification', (e) => got.push(e.type));
    t.client.start();
    let s = await t.connect(1);
    expect(s.sentOfType('subscribe')).toEqual([{ type: 'subscribe', events: ['sync.*', 'notification'] }]);

    s.receive(t.event(2, 'sync.update'));
    s.receive(t.event(3, 'notification'));
    s.receive(t.event(4, 'ml.model.update'));
    expect(got).toEqual(['sync.update', 'notification']);

    offSync();
    await flush();
    expect(s.sentOfType('unsubscribe')).toEqual([{ type: 'unsubscribe', events: ['sync.*'] }]);

    s.serverClose(1006);
    const st = t.client.getState();
    if (st.status !== 'reconnecting') throw new Error('expected reconnecting');
    t.clock.advance(st.retryAt - t.clock.now);
    s = await t.connect(4);
    expect(s.sentOfType('subscribe')).toEqual([{ type: 'subscribe', events: ['notification'] }]);
  });

  it('widens to all events (no subscription) when a listener wants everything', async () => {
    const t = setup({}, () => 0.5, false);
    t.client.subscribe('sync.*', () => {});
    t.client.start();
    const s = await t.connect(1);
    t.client.subscribe('*', () => {});
    await flush();
    expect(s.sentOfType('unsubscribe')).toEqual([{ type: 'unsubscribe', events: ['sync.*'] }]);
  });

  it('stops polling and asks for a reload when polling is refused (403)', async () => {
    const t = setup({ pollIntervalMs: 5000 });
    t.client.start();
    const s = await t.connect(5);
    t.history.next = Object.assign(new Error('suspended'), { status: 403, message: 'This organization is suspended' });
    s.serverClose(1008, 'organization suspended');
    await flush();
    expect(t.client.getState()).toMatchObject({ status: 'offline', fatal: true, reason: 'This organization is suspended' });
    expect(t.reloads).toEqual(['forbidden']);
    expect(t.clock.pending()).toEqual([]);
  });

  it('stops for good on a 403 ticket answer (suspended org)', async () => {
    const t = setup();
    t.fetchTicket.mockRejectedValueOnce(Object.assign(new Error('suspended'), { status: 403, message: 'Organization suspended' }));
    t.client.start();
    await flush();
    expect(t.client.getState()).toMatchObject({ status: 'offline', fatal: true, reason: 'Organization suspended' });
  });

  it('stop() closes the socket and clears every timer', async () => {
    const t = setup();
    t.client.start();
    const s = await t.connect(1);
    t.client.stop();
    expect(s.closedWith?.code).toBe(1000);
    expect(t.clock.pending()).toEqual([]);
    expect(t.client.getState().status).toBe('idle');
  });
});

describe('parseFrame', () => {
  it('accepts objects with a type only', () => {
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(parseFrame('null')).toBeNull();
    expect(parseFrame('{"type":""}')).toBeNull();
    expect(parseFrame(42)).toBeNull();
  });
});
