import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { RealtimeTestProvider } from '../../hooks/RealtimeProvider';
import { RealtimeClient } from '../../realtime';
import { FakeSocket, ManualClock, flush } from '../../realtime/testing';
import { ActivityFeed } from './ActivityFeed';

const events = vi.hoisted(() => ({ activity: vi.fn() }));
vi.mock('../../api/events', () => ({ eventsApi: events }));

const ev = (seq: number, type = 'user.activity') => ({
  id: `e${seq}`,
  type,
  seq,
  timestamp: new Date().toISOString(),
  data: { message: `event ${seq}` },
  source: 'test',
});

async function setup(history: number) {
  events.activity.mockResolvedValue({ items: Array.from({ length: history }, (_, i) => ev(i + 1)), next_cursor: '' });
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
        <ActivityFeed org="acme" />
      </RealtimeTestProvider>
    </QueryClientProvider>,
  );
  await act(async () => {
    client.start();
    await flush();
  });
  socket.open();
  act(() => socket.receive({ type: 'connection_status', data: { status: 'connected', user_id: 'u', org: 'acme', seq: history, epoch: 'e' } }));
  let seq = history;
  // Events reach React in animation-frame batches: let one frame pass inside act.
  const push = (n: number) =>
    act(async () => {
      for (let i = 0; i < n; i++) socket.receive(ev(++seq));
      await new Promise((r) => setTimeout(r, 30));
    });
  return { push };
}

describe('ActivityFeed', () => {
  it('keeps only the visible window of a long feed in the DOM', async () => {
    await setup(400);
    const feed = await screen.findByTestId('activity-feed');
    const rows = feed.querySelectorAll('li');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(30);
    expect(feed.querySelector('ul')!.style.height).toBe(`${400 * 52}px`);
  });

  it('shows an honest empty state before anything happened', async () => {
    await setup(0);
    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });

  it('pauses on scroll-up, counts new events, and resumes on request', async () => {
    const { push } = await setup(100);
    const feed = await screen.findByTestId('activity-feed');
    Object.defineProperty(feed, 'scrollHeight', { configurable: true, value: 100 * 52 });
    Object.defineProperty(feed, 'clientHeight', { configurable: true, value: 420 });
    feed.scrollTop = 1000;
    fireEvent.scroll(feed);
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Paused');

    await push(3);
    expect(await screen.findByRole('button', { name: '3 new events' })).toBeInTheDocument();
    // The snapshot does not grow under the reader.
    expect(feed.querySelector('ul')!.style.height).toBe(`${100 * 52}px`);

    fireEvent.click(screen.getByRole('button', { name: '3 new events' }));
    await waitFor(() => expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live'));
    expect(screen.getByTestId('activity-feed').querySelector('ul')!.style.height).toBe(`${103 * 52}px`);
  });
});
