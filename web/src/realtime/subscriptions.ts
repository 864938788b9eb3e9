import { matchesAny } from './patterns';
import type { RealtimeEvent } from './types';

export type EventHandler = (event: RealtimeEvent) => void;

interface Listener {
  patterns: string[];
  handler: EventHandler;
}

/**
 * Local listeners and the server-side subscription they imply.
 *
 * The server filters by the union of every listener's patterns; if any
 * listener wants everything (`*`), the connection holds no subscription at all
 * ("no subscription = all events"). The registry remembers what the server
 * was last told so it can send only the difference, and forgets it on a new
 * connection so everything is re-subscribed after a reconnect.
 */
export class SubscriptionRegistry {
  private listeners = new Set<Listener>();
  /** Patterns the current connection is subscribed to. */
  private onServer = new Set<string>();

  add(patterns: string[], handler: EventHandler): () => void {
    const listener: Listener = { patterns: patterns.length ? patterns : ['*'], handler };
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  dispatch(event: RealtimeEvent, onError: (err: unknown) => void): void {
    for (const l of this.listeners) {
      if (!matchesAny(l.patterns, event.type)) continue;
      try {
        l.handler(event);
      } catch (err) {
        // One broken listener must not starve the others.
        onError(err);
      }
    }
  }

  /** True when a local listener would receive this type. */
  wants(type: string): boolean {
    for (const l of this.listeners) if (matchesAny(l.patterns, type)) return true;
    return false;
  }

  /** The server-side patterns we want, or null for "everything". */
  desired(): Set<string> | null {
    const out = new Set<string>();
    for (const l of this.listeners) {
      for (const p of l.patterns) {
        if (p === '*') return null;
        out.add(p);
      }
    }
    return out;
  }

  /** Frames that bring the server's subscription in line with `desired()`. */
  diff(): { subscribe: string[]; unsubscribe: string[] } {
    const want = this.desired();
    if (want === null) {
      const unsubscribe = [...this.onServer];
      this.onServer.clear();
      return { subscribe: [], unsubscribe };
    }
    // An empty set would mean "all events"; with no listeners at all we keep
    // whatever is there rather than widening to everything.
    if (want.size === 0) return { subscribe: [], unsubscribe: [] };
    const subscribe = [...want].filter((p) => !this.onServer.has(p));
    const unsubscribe = [...this.onServer].filter((p) => !want.has(p));
    this.onServer = want;
    return { subscribe, unsubscribe };
  }

  /** A new connection starts with no subscription. */
  resetServer(): void {
    this.onServer.clear();
  }

  /** Exact types to ask GET /events for, or undefined when a wildcard is involved. */
  exactTypes(): string[] | undefined {
    const want = this.desired();
    if (!want || want.size === 0) return undefined;
    for (const p of want) if (p.includes('*')) return undefined;
    return [...want];
  }
}
