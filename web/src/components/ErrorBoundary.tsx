import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Button } from './ui/Button';

interface Props {
  children: ReactNode;
  resetKey?: string;
  /** What to show instead (a card's own message); `retry` renders the children again. */
  fallback?: (error: Error, retry: () => void) => ReactNode;
}

/** Keeps one broken page (or card) from blanking the whole app. */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('render failed', error, info.componentStack);
  }

  componentDidUpdate(prev: { resetKey?: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  render() {
    if (!this.state.error) return this.props.children;
    if (this.props.fallback) return this.props.fallback(this.state.error, () => this.setState({ error: null }));
    const chunkFailed = isChunkError(this.state.error);
    return (
      <div role="alert" className="mx-auto max-w-md py-16 text-center">
        <h1 className="text-lg font-semibold">{chunkFailed ? 'A new version is available' : 'This page hit a problem'}</h1>
        <p className="mt-2 text-sm text-slate-500">
          {chunkFailed ? 'Part of the app could not be loaded, usually because it was just updated.' : this.state.error.message}
        </p>
        <Button className="mt-6" onClick={() => location.reload()}>
          Reload
        </Button>
      </div>
    );
  }
}

/** A failed download of part of the app (offline, or replaced by a new build). */
export function isChunkError(error: Error): boolean {
  return /dynamically imported module|Failed to fetch|Unable to preload/i.test(error.message);
}
