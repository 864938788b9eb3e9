import '@testing-library/jest-dom/vitest';
import { notifyManager } from '@tanstack/react-query';
import { act, cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { useToasts } from '../stores/toasts';

// React Query notifies subscribers on a later tick; route those renders
// through act() so tests see settled output and React stays quiet.
notifyManager.setNotifyFunction((fn) => act(fn));

afterEach(() => {
  cleanup();
  act(() => useToasts.setState({ toasts: [] }));
  localStorage.clear();
  sessionStorage.clear();
});
