import { backoffDelay } from './backoff';
import { SubscriptionRegistry, type EventHandler } from './subscriptions';
import type {
  ClientFrame,
  ConnectionState,
  ConnectionStatusData,
  ErrorFrameData,
  EventDataMap,
  RealtimeEvent,
  ServerFrame,
} from './types';

// No React in this module: it is a plain state machine over injected
// WebSocket, timers and fetchers so it can be unit-tested with fakes.

/** The part of the browser WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface NetworkStatus {
  isOnline(): boolean;
  /** Calls back with the new value on every change; returns an unsubscribe. */
  subscribe(cb: (online: boolean) => void): () => void;
}

/** A failure to get a ticket or poll; `status` is the HTTP status, 0 for network. */
export interface FetchFailure {
  status?: number;
  message?: string;
}

export interface History {
  items: RealtimeEvent[];
  seq: number;
  epoch: string;
}

export interface RealtimeDeps {
  /** POST /ws-ticket: a single-use ticket and the socket's path with it (`url`). */
  fetchTicket(): Promise<{ ticket: string; expires_in?: number; url?: string }>;
  /** GET /events; `since` undefined asks for the org's current position. */
  fetchHistory(params: { since?: number; types?: string[]; limit: number }): Promise<History>;
  /** The socket URL for a ticket; `path` is the server's own `url` when it gave one. */
  socketUrl(ticket: string, path?: string): string;
  createSocket: SocketFactory;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  network?: NetworkStatus;
}

export interface RealtimeOptions {
  /** Heartbeat: send `ping` this often while connected. */
  pingIntervalMs: number;
  /** No frame at all for this long after a ping = dead connection. */
  deadAfterMs: number;
  /** Give up on a socket that has not said `connection_status` by then. */
  connectTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive failed attempts before falling back to polling. */
  maxAttempts: number;
  pollIntervalMs: number;
  pollLimit: number;
  /** While polling, try the socket again this often. */
  socketRetryWhilePollingMs: number;
  /** 1013 (overloaded) waits at least this long before the next try. */
  overloadedMinDelayMs: number;
}

export const defaultRealtimeOptions: RealtimeOptions = {
  pingIntervalMs: 30_000,
  deadAfterMs: 10_000,
  connectTimeoutMs: 10_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
  maxAttempts: 8,
  pollIntervalMs: 5_000,
  pollLimit: 200,
  socketRetryWhilePollingMs: 60_000,
  overloadedMinDelayMs: 5_000,
};

const OPEN = 1; // WebSocket.OPEN, without needing the global in tests
const STATS_INTERVAL_MS = 500;

/** Close codes of the protocol. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  tooSlow: 4008,
  /** Ours: heartbeat or connect timeout. */
  clientTimeout: 4000,
} as const;

export interface RealtimeStats {
  lastSeq: number | null;
  epoch: string | null;
  malformedFrames: number;
  serverErrors: number;
  listenerErrors: number;
  reconnects: number;
  lastServerError: ErrorFrameData | null;
}

type Listener<T> = (value: T) => void;

/** Socket opened but `connection_status` not seen yet, or fully live. */
type Phase = 'handshake' | 'resuming' | 'live';

/**
 * The org's real-time connection.
 *
 * Lifecycle: start() fetches a single-use ticket and opens the socket; the
 * server's `connection_status` carries the org's seq and epoch. After a
 * reconnect the client sends `resume {since: lastSeq, epoch}`; the server
 * replays what was missed then says `resumed`, or `resume_failed` when the
 * history no longer covers the gap, in which case listeners get a "reload"
 * signal and refetch over REST. Failed attempts back off exponentially with
 * jitter; after `maxAttempts` in a row, or when the server refuses us on
 * policy (1008), the client polls GET /events?since= and says so, retrying the
 * socket now and then. 4008 ("too slow") reconnects at once and resumes.
 */
export class RealtimeClient {
  private readonly deps: Required<Omit<RealtimeDeps, 'network'>> & { network?: NetworkStatus };
  private readonly opts: RealtimeOptions;
  private readonly subs = new SubscriptionRegistry();

  private state: ConnectionState = { status: 'idle' };
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly reloadListeners = new Set<Listener<string>>();
  private readonly frameListeners = new Map<string, Set<Listener<ServerFrame>>>();
  private readonly statsListeners = new Set<Listener<RealtimeStats>>();

  private running = false;
  private socket: SocketLike | null = null;
  private phase: Phase = 'handshake';
  /** Consecutive failed attempts; reset by a successful connection_status. */
  private attempt = 0;
  private lastSeq: number | null = null;
  private epoch: string | null = null;
  /** Server position at connect (connection_status); adopted once a resume is over or failed. */
  private connectSeq = 0;
  private connectEpoch: string | null = null;
  private lastTooSlowAt = -Infinity;
  private subscriptionFlushQueued = false;

  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private deadTimer: unknown = null;
  private connectTimer: unknown = null;
  private pollTimer: unknown = null;
  private socketRetryTimer: unknown = null;
  private statsTimer: unknown = null;
  private unsubscribeNetwork: (() => void) | null = null;
  /** Bumped on every new attempt so late async answers of old ones are ignored. */
  private generation = 0;

  private counters = { malformedFrames: 0, serverErrors: 0, listenerErrors: 0, reconnects: 0 };
  private lastServerError: ErrorFrameData | null = null;

  constructor(deps: RealtimeDeps, options: Partial<RealtimeOptions> = {}) {
    this.deps = {
      timers: {
        setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
        clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      },
      now: Date.now,
      random: Math.random,
      ...deps,
    };
    this.opts = { ...defaultRealtimeOptions, ...options };
  }

  // ---- public API ----------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribeNetwork = this.deps.network?.subscribe((online) => this.onNetworkChange(online)) ?? null;
    if (this.deps.network && !this.deps.network.isOnline()) {
      this.setState({ status: 'offline', reason: 'Your device is offline', fatal: false });
      return;
    }
    void this.connect();
  }

  /** Close for good (unmount, sign-out, org switch). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.clearAllTimers();
    this.unsubscribeNetwork?.();
    this.unsubscribeNetwork = null;
    this.dropSocket(CloseCode.normal, 'client stopped');
    this.setState({ status: 'idle' });
  }

  /** Skip the wait: try the socket now (the badge's "Reconnect" button). */
  reconnectNow(): void {
    if (!this.running) return;
    if (this.state.status === 'connected' || this.state.status === 'connecting') return;
    this.clearTimer('retryTimer');
    this.clearTimer('socketRetryTimer');
    this.attempt = 0;
    void this.connect();
  }

  getState(): ConnectionState {
    return this.state;
  }

  getStats(): RealtimeStats {
    return { ...this.counters, lastSeq: this.lastSeq, epoch: this.epoch, lastServerError: this.lastServerError };
  }

  onState(listener: Listener<ConnectionState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Fired when live state cannot be trusted any more: refetch over REST. */
  onReload(listener: Listener<string>): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  onStats(listener: Listener<RealtimeStats>): () => void {
    this.statsListeners.add(listener);
    return () => this.statsListeners.delete(listener);
  }

  /** Control frames (`sync_status`, `error`, `subscribed`...). */
  onFrame(type: string, listener: Listener<ServerFrame>): () => void {
    let set = this.frameListeners.get(type);
    if (!set) this.frameListeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Listen to events matching any of `patterns` (`*` for all). The server-side
   * subscription follows the union of all listeners, re-sent after reconnects.
   */
  subscribe(patterns: string | string[], handler: EventHandler): () => void {
    const list = Array.isArray(patterns) ? patterns : [patterns];
    const remove = this.subs.add(list, handler);
    this.queueSubscriptionFlush();
    return () => {
      remove();
      this.queueSubscriptionFlush();
    };
  }

  /** Typed sugar over subscribe for one known event type. */
  on<K extends keyof EventDataMap>(type: K, handler: (event: RealtimeEvent<EventDataMap[K]>) => void): () => void {
    return this.subscribe(type, handler as EventHandler);
  }

  /** Ask for `sync_status`; false when no live socket (use REST then). */
  requestSyncStatus(): boolean {
    return this.send({ type: 'get_sync_status' });
  }

  // ---- connecting ----------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.running) return;
    const gen = ++this.generation;
    this.clearConnectionTimers();
    this.dropSocket(CloseCode.normal, 'reconnecting');
    this.attempt++;
    if (this.state.status !== 'polling') this.setState({ status: 'connecting', attempt: this.attempt });

    let ticket: string;
    let path: string | undefined;
    try {
      ({ ticket, url: path } = await this.deps.fetchTicket());
    } catch (err) {
      if (gen !== this.generation) return;
      this.onTicketFailure(err as FetchFailure);
      return;
    }
    if (gen !== this.generation || !this.running) return;

    let socket: SocketLike;
    try {
      socket = this.deps.createSocket(this.deps.socketUrl(ticket, path));
    } catch {
      this.onAttemptFailed('Could not open a WebSocket');
      return;
    }
    this.socket = socket;
    this.phase = 'handshake';
    this.subs.resetServer();
    socket.onmessage = (ev) => this.onMessage(ev.data);
    socket.onclose = (ev) => this.onClose(socket, ev.code, ev.reason);
    socket.onerror = () => {
      // Browsers follow every error with a close event; handle it there.
    };
    this.connectTimer = this.deps.timers.setTimeout(() => {
      if (this.socket !== socket || this.phase !== 'handshake') return;
      this.dropSocket(CloseCode.clientTimeout, 'connect timeout');
      this.onAttemptFailed('The server did not answer in time');
    }, this.opts.connectTimeoutMs);
  }

  private onTicketFailure(err: FetchFailure): void {
    const status = err?.status ?? 0;
    if (status === 401) {
      // The API client already ended the session; nothing to reconnect for.
      this.halt('Signed out');
      return;
    }
    if (status === 403 || status === 404) {
      this.halt(err.message || 'Real-time updates are not available for this organization');
      return;
    }
    this.onAttemptFailed(err?.message || 'Could not get a connection ticket');
  }

  /** Stop trying: the server will not let us in (suspended org, no access). */
  private halt(reason: string): void {
    this.clearAllTimers();
    this.dropSocket(CloseCode.normal, 'halted');
    this.setState({ status: 'offline', reason, fatal: true });
  }

  private onAttemptFailed(reason: string, minDelayMs = 0): void {
    if (!this.running) return;
    this.clearConnectionTimers();
    if (this.deps.network && !this.deps.network.isOnline()) {
      this.setState({ status: 'offline', reason: 'Your device is offline', fatal: false });
      return;
    }
    if (this.state.status === 'polling') {
      // A periodic socket retry from polling mode failed: keep polling.
      this.scheduleSocketRetryWhilePolling();
      return;
    }
    if (this.attempt >= this.opts.maxAttempts) {
      this.startPolling(`Live connection failed ${this.attempt} times: ${reason}`);
      return;
    }
    this.scheduleReconnect(reason, minDelayMs);
  }

  private scheduleReconnect(reason: string, minDelayMs = 0): void {
    // `attempt` counts the failed tries of this streak (0 right after a live
    // session dropped); the next try is attempt + 1.
    const delay = Math.max(minDelayMs, backoffDelay(Math.max(1, this.attempt), this.backoffOpts(), this.deps.random));
    const retryAt = this.deps.now() + delay;
    this.setState({ status: 'reconnecting', attempt: this.attempt + 1, retryAt, reason });
    this.clearTimer('retryTimer');
    this.retryTimer = this.deps.timers.setTimeout(() => {
      this.retryTimer = null;
      this.counters.reconnects++;
      void this.connect();
    }, delay);
  }

  private backoffOpts() {
    return { baseMs: this.opts.backoffBaseMs, maxMs: this.opts.backoffMaxMs };
  }

  // ---- frames --------------------------------------------------------------

  private onMessage(raw: unknown): void {
    this.armDeadTimer(false);
    const frame = parseFrame(raw);
    if (!frame) {
      this.counters.malformedFrames++;
      this.emitStats();
      return;
    }
    switch (frame.type) {
      case 'connection_status':
        this.onConnectionStatus(frame.data as ConnectionStatusData);
        break;
      case 'resumed':
        this.finishResume((frame.data as { seq?: number } | undefined)?.seq);
        break;
      case 'resume_failed':
        // The server now sends live events after the connection_status seq.
        this.adoptServerPosition();
        this.phase = 'live';
        this.flushSubscriptions();
        this.emitReload('resume_failed');
        break;
      case 'error': {
        this.counters.serverErrors++;
        this.lastServerError = (frame.data as ErrorFrameData) ?? null;
        this.emitStats();
        break;
      }
      case 'ping':
        // An application-level ping from the server: answer with a frame the
        // protocol defines (our own ping) so we count as alive.
        this.send({ type: 'ping' });
        break;
      default:
        if (typeof frame.seq === 'number' && typeof frame.id === 'string') {
          this.onEvent(frame as RealtimeEvent & ServerFrame);
        }
    }
    this.frameListeners.get(frame.type)?.forEach((l) => safeCall(l, frame, this.onListenerError));
  }

  private onConnectionStatus(data: ConnectionStatusData | undefined): void {
    if (!data || typeof data.seq !== 'number' || typeof data.epoch !== 'string') {
      this.counters.malformedFrames++;
      this.emitStats();
      return;
    }
    if (this.phase !== 'handshake') return; // a status update, not a new session
    this.clearTimer('connectTimer');
    const wasPolling = this.state.status === 'polling';
    this.stopPolling();
    this.attempt = 0;
    this.connectSeq = data.seq;
    this.connectEpoch = data.epoch;
    this.setState({ status: 'connected', since: this.deps.now() });
    this.startHeartbeat();
    this.subs.resetServer();

    // The server holds live events until our first message (or a second
    // passes): a `resume` must be that first message, and anything else
    // releases them at once. So: resume first when events were missed, then
    // (re)subscribe; otherwise subscribe (or ping) right away.
    if (this.lastSeq === null || this.epoch === null) {
      this.lastSeq = data.seq;
      this.epoch = data.epoch;
      this.phase = 'live';
      this.sendOpening();
      this.emitStats();
      return;
    }
    if (data.epoch !== this.epoch || data.seq < this.lastSeq) {
      // The history we followed is gone (a new epoch, or a journal that went
      // back): a resume would only fail. Start over from the server's position.
      this.adoptServerPosition();
      this.phase = 'live';
      this.sendOpening();
      this.emitReload('epoch_changed');
      return;
    }
    if (data.seq > this.lastSeq) {
      this.phase = 'resuming';
      this.send({ type: 'resume', since: this.lastSeq, epoch: this.epoch });
      // Subscribing after the resume narrows live delivery; the replay itself
      // is not filtered, local listeners filter it.
      this.flushSubscriptions();
    } else {
      this.phase = 'live';
      this.sendOpening();
    }
    if (wasPolling) this.emitStats();
  }

  /** The first message of a connection that does not resume: the subscription, or a ping. */
  private sendOpening(): void {
    if (!this.flushSubscriptions()) this.send({ type: 'ping' });
  }

  private finishResume(upTo?: number): void {
    if (this.lastSeq !== null) this.lastSeq = Math.max(this.lastSeq, this.connectSeq, typeof upTo === 'number' ? upTo : 0);
    this.phase = 'live';
    this.emitStats();
  }

  private adoptServerPosition(): void {
    this.lastSeq = this.connectSeq;
    if (this.connectEpoch !== null) this.epoch = this.connectEpoch;
    this.emitStats();
  }

  private onEvent(event: RealtimeEvent): void {
    // Replays and live events can overlap around a reconnect: drop what we have.
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.subs.dispatch(event, this.onListenerError);
    // Stats listeners (the badge's details) hear about the new position at
    // most twice a second, not once per event.
    if (this.statsListeners.size && this.statsTimer === null) {
      this.statsTimer = this.deps.timers.setTimeout(() => {
        this.statsTimer = null;
        this.emitStats();
      }, STATS_INTERVAL_MS);
    }
  }

  private onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return; // an old socket we already let go of
    this.socket = null;
    this.clearConnectionTimers();
    if (!this.running) return;
    // After a live session the failure streak starts over; a failed
    // handshake continues the current streak.
    const wasConnected = this.phase !== 'handshake';
    if (wasConnected) this.attempt = 0;

    switch (code) {
      case CloseCode.tooSlow: {
        // We fell behind; the server dropped us. Resume at once from lastSeq,
        // but not in a tight loop if it keeps happening.
        const now = this.deps.now();
        const repeated = now - this.lastTooSlowAt < 10_000;
        this.lastTooSlowAt = now;
        if (!repeated) {
          this.counters.reconnects++;
          this.setState({ status: 'connecting', attempt: 1 });
          void this.connect();
          return;
        }
        this.scheduleReconnect('Connection too slow');
        return;
      }
      case CloseCode.policy:
        // Origin or auth refused: retrying the socket would fail the same way.
        this.startPolling(reason ? `Live connection refused: ${reason}` : 'Live connection refused by the server');
        return;
      case CloseCode.tryAgainLater:
        this.onAttemptFailed(reason || 'Server busy', this.opts.overloadedMinDelayMs);
        return;
      case CloseCode.goingAway:
        this.onAttemptFailed(reason || 'Server restarting');
        return;
      default:
        this.onAttemptFailed(reason || (wasConnected ? 'Connection lost' : 'Could not connect'));
    }
  }

  // ---- heartbeat -----------------------------------------------------------

  private startHeartbeat(): void {
    this.clearTimer('pingTimer');
    this.pingTimer = this.deps.timers.setTimeout(() => {
      this.pingTimer = null;
      if (this.send({ type: 'ping' })) this.armDeadTimer(true);
      this.startHeartbeat();
    }, this.opts.pingIntervalMs);
  }

  /** Any frame proves life; after a ping, silence past deadAfterMs is death. */
  private armDeadTimer(afterPing: boolean): void {
    this.clearTimer('deadTimer');
    if (!afterPing) return;
    const socket = this.socket;
    this.deadTimer = this.deps.timers.setTimeout(() => {
      this.deadTimer = null;
      if (!socket || socket !== this.socket) return;
      // Do not wait for the close handshake of a dead TCP connection.
      this.dropSocket(CloseCode.clientTimeout, 'heartbeat timeout');
      this.clearConnectionTimers();
      this.attempt = 0;
      this.onAttemptFailed('No answer from the server');
    }, this.opts.deadAfterMs);
  }

  // ---- polling fallback ----------------------------------------------------

  private startPolling(reason: string): void {
    this.clearConnectionTimers();
    this.clearTimer('retryTimer');
    this.dropSocket(CloseCode.normal, 'polling');
    this.setState({ status: 'polling', reason, lastPollAt: null, lastError: null });
    this.clearTimer('pollTimer');
    void this.poll();
    this.scheduleSocketRetryWhilePolling();
  }

  private stopPolling(): void {
    this.clearTimer('pollTimer');
    this.clearTimer('socketRetryTimer');
  }

  private scheduleSocketRetryWhilePolling(): void {
    this.clearTimer('socketRetryTimer');
    this.socketRetryTimer = this.deps.timers.setTimeout(() => {
      this.socketRetryTimer = null;
      this.attempt = 0;
      void this.connect();
    }, this.opts.socketRetryWhilePollingMs);
  }

  private async poll(): Promise<void> {
    if (!this.stillPolling()) return;
    try {
      if (this.lastSeq === null || this.epoch === null) {
        // Never connected: learn the current position without replaying history.
        const head = await this.deps.fetchHistory({ limit: 1 });
        if (!this.stillPolling()) return;
        this.lastSeq = head.seq;
        this.epoch = head.epoch;
      } else {
        const types = this.subs.exactTypes();
        const page = await this.deps.fetchHistory({ since: this.lastSeq, types, limit: this.opts.pollLimit });
        if (!this.stillPolling()) return;
        if (page.epoch !== this.epoch) {
          this.epoch = page.epoch;
          this.lastSeq = page.seq;
          this.emitReload('epoch_changed');
        } else {
          for (const ev of [...page.items].sort((a, b) => a.seq - b.seq)) this.onEvent(ev);
          // A full page means more is waiting; otherwise jump to the head so
          // filtered-out types are not asked for again.
          if (page.items.length < this.opts.pollLimit && this.lastSeq !== null) {
            this.lastSeq = Math.max(this.lastSeq, page.seq);
          }
        }
      }
      this.emitStats();
      this.setState({ ...this.pollingState(), lastPollAt: this.deps.now(), lastError: null });
    } catch (err) {
      if (!this.stillPolling()) return;
      const failure = err as FetchFailure;
      if (failure?.status === 401) {
        this.halt('Signed out');
        return;
      }
      if (failure?.status === 403 || failure?.status === 404) {
        // No access any more (suspended org, removed member): stop, and let
        // the app refetch the org to learn why.
        this.halt(failure.message || 'Real-time updates are not available for this organization');
        this.emitReload('forbidden');
        return;
      }
      this.setState({ ...this.pollingState(), lastError: failure?.message || 'Polling failed' });
    }
    this.clearTimer('pollTimer');
    this.pollTimer = this.deps.timers.setTimeout(() => {
      this.pollTimer = null;
      void this.poll();
    }, this.opts.pollIntervalMs);
  }

  /** An answer that arrives after stop() or after the socket came back is stale. */
  private stillPolling(): boolean {
    return this.running && this.state.status === 'polling';
  }

  private pollingState() {
    const s = this.state;
    return s.status === 'polling'
      ? s
      : { status: 'polling' as const, reason: 'Polling', lastPollAt: null, lastError: null };
  }

  // ---- network -------------------------------------------------------------

  private onNetworkChange(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.clearAllTimers();
      this.dropSocket(CloseCode.normal, 'offline');
      this.setState({ status: 'offline', reason: 'Your device is offline', fatal: false });
      return;
    }
    if (this.state.status === 'offline' && !this.state.fatal) {
      this.attempt = 0;
      void this.connect();
    }
  }

  // ---- plumbing ------------------------------------------------------------

  private send(frame: ClientFrame): boolean {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return false;
    try {
      s.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private queueSubscriptionFlush(): void {
    if (this.subscriptionFlushQueued) return;
    this.subscriptionFlushQueued = true;
    // Many hooks mount in one render: coalesce them into one frame.
    queueMicrotask(() => {
      this.subscriptionFlushQueued = false;
      if (this.socket && this.phase !== 'handshake') this.flushSubscriptions();
    });
  }

  /** Brings the server's subscription in line with the listeners; true when a frame went out. */
  private flushSubscriptions(): boolean {
    const { subscribe, unsubscribe } = this.subs.diff();
    let sent = false;
    if (unsubscribe.length) sent = this.send({ type: 'unsubscribe', events: unsubscribe }) || sent;
    if (subscribe.length) sent = this.send({ type: 'subscribe', events: subscribe }) || sent;
    return sent;
  }

  private dropSocket(code: number, reason: string): void {
    const s = this.socket;
    if (!s) return;
    this.socket = null;
    s.onopen = s.onmessage = s.onerror = null;
    s.onclose = null;
    try {
      s.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private setState(next: ConnectionState): void {
    this.state = next;
    this.stateListeners.forEach((l) => safeCall(l, next, this.onListenerError));
  }

  private emitReload(reason: string): void {
    this.reloadListeners.forEach((l) => safeCall(l, reason, this.onListenerError));
  }

  private emitStats(): void {
    if (!this.statsListeners.size) return;
    const stats = this.getStats();
    this.statsListeners.forEach((l) => safeCall(l, stats, this.onListenerError));
  }

  private readonly onListenerError = (err: unknown) => {
    this.counters.listenerErrors++;
    console.warn('realtime listener failed', err);
  };

  private clearTimer(name: 'retryTimer' | 'pingTimer' | 'deadTimer' | 'connectTimer' | 'pollTimer' | 'socketRetryTimer' | 'statsTimer') {
    if (this[name] !== null) {
      this.deps.timers.clearTimeout(this[name]);
      this[name] = null;
    }
  }

  private clearConnectionTimers(): void {
    this.clearTimer('pingTimer');
    this.clearTimer('deadTimer');
    this.clearTimer('connectTimer');
  }

  private clearAllTimers(): void {
    this.clearConnectionTimers();
    this.clearTimer('retryTimer');
    this.clearTimer('statsTimer');
    this.stopPolling();
  }
}

/** A frame is a JSON object with a string `type`; anything else is malformed. */
export function parseFrame(raw: unknown): ServerFrame | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const frame = value as ServerFrame;
  if (typeof frame.type !== 'string' || frame.type === '') return null;
  if (frame.seq !== undefined && typeof frame.seq !== 'number') return null;
  return frame;
}

function safeCall<T>(fn: (v: T) => void, value: T, onError: (err: unknown) => void): void {
  try {
    fn(value);
  } catch (err) {
    onError(err);
  }
}
