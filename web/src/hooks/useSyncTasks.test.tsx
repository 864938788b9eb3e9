import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../api/types';
import { RealtimeClient } from '../realtime';
import { FakeSocket, ManualClock, flush } from '../realtime/testing';
import { RealtimeTestProvider } from './RealtimeProvider';
import { useSyncTasks } from './useSyncTasks';

const jobs = vi.hoisted(() => ({ list: vi.fn(), get: vi.fn() }));
vi.mock('../api/plugins', () => ({ jobsApi: jobs }));

const job = (id: string, status: Job['status'], processed: number): Job => ({
  id,
  plugin: 'sync',
  kind: 'full-sync',
  status,
  progress: processed,
  processed_items: processed,
  total_items: 100,
  error: '',
  attempts: 1,
  retryable: false,
  created_at: '',
  updated_at: '',
});

function Tasks() {
  const q = useSyncTasks('acme');
  return (
    <ul>
      {q.data?.items.map((j) => (
        <li key={j.id} data-testid={j.id}>
          {j.status} {j.processed_items}/{j.total_items} {j.source ?? '-'}
        </li>
      ))}
      {q.tasks.map((t) => (
        <li key={t.task_id} data-testid={t.task_id}>
          {t.status} {t.source}
        </li>
      ))}
    </ul>
  );
}

async function setup() {
  const clock = new ManualClock();
  let socket!: FakeSocket;
  const client = new RealtimeClient({
    fetchTicket: async () => ({ ticket: 't' }),
    fetchHistory: async () => ({ items: [], seq: 0, epoch: 'e' }),
    socketUrl: (t) => t,
    createSocket: (url) => (socket = new FakeSocket(url)),
    timers: clock,
    now: () => clock.now,
  });
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <RealtimeTestProvider client={client}>
        <Tasks />
      </RealtimeTestProvider>
    </QueryClientProvider>,
  );
  await act(async () => {
    client.start();
    await flush();
  });
  socket.open();
  act(() => socket.receive({ type: 'connection_status', data: { status: 'connected', user_id: 'u', org: 'acme', seq: 1, epoch: 'e' } }));
  let seq = 1;
  // Updates reach React in animation-frame batches: let one frame pass inside act.
  const update = (data: Record<string, unknown>) =>
    act(async () => {
      socket.receive({ type: 'sync.update', id: `e${++seq}`, seq, timestamp: new Date().toISOString(), data });
      await new Promise((r) => setTimeout(r, 30));
    });
  return { socket, update };
}

describe('useSyncTasks', () => {
  beforeEach(() => {
    jobs.list.mockReset();
    jobs.get.mockReset();
    jobs.get.mockImplementation(async (_org: string, id: string) => ({ id, input: { source: `src-${id}` } }));
  });

  it('moves job progress with live sync.update events', async () => {
    jobs.list.mockResolvedValue({ items: [job('j1', 'running', 10)], next_cursor: '' });
    const { update } = await setup();
    expect(await screen.findByTestId('j1')).toHaveTextContent('running 10/100');
    await update({ task_id: 'j1', status: 'running', progress: 50, processed_items: 50, total_items: 100, source: 'crm' });
    await waitFor(() => expect(screen.getByTestId('j1')).toHaveTextContent('running 50/100'));
  });

  it('asks for sync_status once connected and applies the answer', async () => {
    jobs.list.mockResolvedValue({ items: [job('j1', 'running', 10)], next_cursor: '' });
    const { socket } = await setup();
    await screen.findByTestId('j1');
    await waitFor(() => expect(socket.sentOfType('get_sync_status')).toHaveLength(1));
    act(() =>
      socket.receive({ type: 'sync_status', data: { tasks: [{ task_id: 'j1', status: 'running', progress: 70, processed_items: 70, total_items: 100 }] } }),
    );
    await waitFor(() => expect(screen.getByTestId('j1')).toHaveTextContent('running 70/100'));
  });

  it('refetches when an update names a job it does not know', async () => {
    jobs.list.mockResolvedValueOnce({ items: [], next_cursor: '' });
    jobs.list.mockResolvedValue({ items: [job('j2', 'running', 5)], next_cursor: '' });
    const { update } = await setup();
    await waitFor(() => expect(jobs.list).toHaveBeenCalledTimes(1));
    await update({ task_id: 'j2', status: 'running', progress: 5, processed_items: 5, total_items: 100 });
    expect(await screen.findByTestId('j2', {}, { timeout: 3000 })).toHaveTextContent('running 5/100');
  });

  it("names each sync job's source: from its input, or from an update", async () => {
    jobs.list.mockResolvedValue({ items: [job('j1', 'succeeded', 100), job('j2', 'running', 10)], next_cursor: '' });
    jobs.get.mockImplementation(async (_org: string, id: string) => ({ id, input: id === 'j1' ? { source: 'contacts' } : {} }));
    const { update } = await setup();
    await waitFor(() => expect(screen.getByTestId('j1')).toHaveTextContent('succeeded 100/100 contacts'));
    await update({ task_id: 'j2', status: 'running', progress: 20, processed_items: 20, total_items: 100, source: 'crm' });
    await waitFor(() => expect(screen.getByTestId('j2')).toHaveTextContent('running 20/100 crm'));
  });

  it('never moves a finished job back to running on a late update', async () => {
    jobs.list.mockResolvedValue({ items: [job('j1', 'succeeded', 100)], next_cursor: '' });
    const { update } = await setup();
    await screen.findByTestId('j1');
    await update({ task_id: 'j1', status: 'running', progress: 90, processed_items: 90, total_items: 100 });
    expect(screen.getByTestId('j1')).toHaveTextContent('succeeded 100/100');
  });

  it('keeps runs that are not jobs (scheduled syncs) apart, without refetching for them', async () => {
    jobs.list.mockResolvedValue({ items: [], next_cursor: '' });
    const { update } = await setup();
    await waitFor(() => expect(jobs.list).toHaveBeenCalledTimes(1));
    await update({ task_id: 'scheduled-1', status: 'running', progress: 30, processed_items: 3, total_items: 10, source: 'leads' });
    expect(await screen.findByTestId('scheduled-1')).toHaveTextContent('running leads');
    await new Promise((r) => setTimeout(r, 400));
    expect(jobs.list).toHaveBeenCalledTimes(1);
  });

  it('keeps an update that arrived before its job was listed', async () => {
    jobs.list.mockResolvedValueOnce({ items: [], next_cursor: '' });
    jobs.list.mockResolvedValue({ items: [job('j3', 'running', 0)], next_cursor: '' });
    const { update } = await setup();
    await waitFor(() => expect(jobs.list).toHaveBeenCalledTimes(1));
    await update({ task_id: 'j3', status: 'running', progress: 50, processed_items: 50, total_items: 100 });
    // The refetch lists the job with the progress REST had stored (0): the update stays on top.
    expect(await screen.findByTestId('j3', {}, { timeout: 3000 })).toHaveTextContent('running 50/100');
  });

  it('asks the socket for sync_status every 2 s while a job is active', async () => {
    jobs.list.mockResolvedValue({ items: [job('j1', 'running', 10)], next_cursor: '' });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { socket } = await setup();
      await screen.findByTestId('j1');
      await waitFor(() => expect(socket.sentOfType('get_sync_status').length).toBeGreaterThanOrEqual(1));
      const before = socket.sentOfType('get_sync_status').length;
      await act(async () => {
        vi.advanceTimersByTime(4_100);
      });
      expect(socket.sentOfType('get_sync_status').length).toBeGreaterThanOrEqual(before + 2);
    } finally {
      vi.useRealTimers();
    }
  });
});
