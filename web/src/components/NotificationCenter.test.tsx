import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notification, NotificationList } from '../api/types';
import { RealtimeTestProvider } from '../hooks/RealtimeProvider';
import { useNotificationToasts } from '../hooks/useNotificationToasts';
import { RealtimeClient } from '../realtime';
import { FakeSocket, ManualClock, flush } from '../realtime/testing';
import { TOAST_MS, useToasts } from '../stores/toasts';
import { NotificationCenter } from './NotificationCenter';
import { Toaster } from './Toaster';

const api = vi.hoisted(() => ({
  list: vi.fn(),
  markRead: vi.fn(),
  markAllRead: vi.fn(),
}));
vi.mock('../api/events', () => ({ notificationsApi: api }));

let nextSeq = 1;
const note = (id: string, kind: Notification['kind'], title: string, read = false): Notification => ({
  id,
  seq: nextSeq++,
  kind,
  title,
  message: `${title} details`,
  created_at: new Date().toISOString(),
  read_at: read ? new Date().toISOString() : null,
});

let server: NotificationList;

function ToastBridge() {
  useNotificationToasts();
  return null;
}

async function renderCenter(consumers = 1) {
  const clock = new ManualClock();
  let socket: FakeSocket | null = null;
  const client = new RealtimeClient({
    fetchTicket: async () => ({ ticket: 't' }),
    fetchHistory: async () => ({ items: [], seq: 0, epoch: 'e' }),
    socketUrl: (t) => t,
    createSocket: (url) => (socket = new FakeSocket(url)),
    timers: clock,
    now: () => clock.now,
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queryClient}>
      <RealtimeTestProvider client={client}>
        <ToastBridge />
        {Array.from({ length: consumers }, (_, i) => (
          <NotificationCenter key={i} org="acme" />
        ))}
        <Toaster />
      </RealtimeTestProvider>
    </QueryClientProvider>,
  );
  await act(async () => {
    client.start();
    await flush();
  });
  const s = socket as unknown as FakeSocket;
  s.open();
  act(() => s.receive({ type: 'connection_status', data: { status: 'connected', user_id: 'u', org: 'acme', seq: 1, epoch: 'e' } }));
  let seq = 1;
  const push = (data: Record<string, unknown>) =>
    act(() => s.receive({ type: 'notification', id: `ev${++seq}`, seq, timestamp: new Date().toISOString(), data }));
  return { push, client };
}

beforeEach(() => {
  server = {
    items: [note('n1', 'error', 'Sync failed'), note('n2', 'success', 'Import done'), note('n3', 'info', 'Old news', true)],
    unread: 2,
  };
  api.list.mockImplementation(async () => structuredClone(server));
  api.markRead.mockImplementation(async (_org: string, id: string) => {
    server.items = server.items.map((n) => (n.id === id ? { ...n, read_at: new Date().toISOString() } : n));
    server.unread = server.items.filter((n) => !n.read_at).length;
  });
  api.markAllRead.mockImplementation(async () => {
    server.items = server.items.map((n) => ({ ...n, read_at: n.read_at ?? new Date().toISOString() }));
    server.unread = 0;
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('NotificationCenter', () => {
  it('shows the unread count on the bell and lists notifications styled by kind', async () => {
    await renderCenter();
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    expect(screen.getByTestId('unread-count')).toHaveTextContent('2');
    await userEvent.click(bell);
    const items = screen.getAllByTestId('notification-item');
    expect(items.map((i) => i.dataset.kind)).toEqual(['error', 'success', 'info']);
    expect(items[0].className).toContain('border-l-red-500');
    expect(items[1].className).toContain('border-l-emerald-500');
    expect(within(items[0]).getByText('Sync failed')).toBeInTheDocument();
  });

  it('marks one notification read', async () => {
    await renderCenter();
    await userEvent.click(await screen.findByRole('button', { name: /Notifications, 2 unread/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Mark "Sync failed" as read' }));
    expect(api.markRead).toHaveBeenCalledWith('acme', 'n1');
    expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
  });

  it('marks all read, then clears the list', async () => {
    await renderCenter();
    await userEvent.click(await screen.findByRole('button', { name: /2 unread/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Mark all read' }));
    expect(api.markAllRead).toHaveBeenCalledWith('acme');
    expect(screen.queryByTestId('unread-count')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Clear all' }));
    expect(await screen.findByText(/all caught up/)).toBeInTheDocument();
  });

  it('adds a live notification at once and shows a toast for it', async () => {
    const { push } = await renderCenter();
    await screen.findByRole('button', { name: /2 unread/ });
    push({ kind: 'warning', title: 'Disk almost full', message: '91% used' });
    // React Query notifies subscribers on its next tick.
    expect(await screen.findByRole('button', { name: 'Notifications, 3 unread' })).toBeInTheDocument();
    const toastEl = screen.getByTestId('toast-warning');
    expect(toastEl).toHaveTextContent('Disk almost full');
    expect(toastEl).toHaveTextContent('91% used');
    await userEvent.click(screen.getByRole('button', { name: /3 unread/ }));
    expect(screen.getAllByTestId('notification-item')[0]).toHaveTextContent('Disk almost full');
  });

  it('counts a live notification once however many components use the hook', async () => {
    const { push } = await renderCenter(2);
    await waitFor(() => expect(screen.getAllByRole('button', { name: /2 unread/ })).toHaveLength(2));
    push({ kind: 'info', title: 'Hello' });
    await waitFor(() => expect(screen.getAllByRole('button', { name: 'Notifications, 3 unread' })).toHaveLength(2));
  });

  it('marks a live notification read by its event id (the id it is stored under)', async () => {
    const { push } = await renderCenter();
    await screen.findByRole('button', { name: /2 unread/ });
    push({ kind: 'success', title: 'Sync of crm finished', message: '600 records' });
    await userEvent.click(await screen.findByRole('button', { name: 'Notifications, 3 unread' }));
    await userEvent.click(screen.getByRole('button', { name: 'Mark "Sync of crm finished" as read' }));
    expect(api.markRead).toHaveBeenCalledWith('acme', 'ev2');
    expect(await screen.findByRole('button', { name: 'Notifications, 2 unread' })).toBeInTheDocument();
  });

  it('hides toasts after 5 seconds', () => {
    vi.useFakeTimers();
    render(<Toaster />);
    act(() => {
      useToasts.getState().push({ kind: 'success', title: 'Saved' });
    });
    expect(screen.getByTestId('toast-success')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(TOAST_MS - 1));
    expect(screen.getByTestId('toast-success')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(1));
    expect(screen.queryByTestId('toast-success')).not.toBeInTheDocument();
  });

  it('shows an honest empty state', async () => {
    server = { items: [], unread: 0 };
    await renderCenter();
    await userEvent.click(await screen.findByRole('button', { name: 'Notifications' }));
    await waitFor(() => expect(screen.getByText(/all caught up/)).toBeInTheDocument());
  });
});
