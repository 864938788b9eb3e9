// A paged JSON API on loopback for the sync plugin's HTTP source:
//   GET /contacts?page=N&per_page=S -> {"data": [...], "meta": {"total": T}}
// While the gate is closed, every page after the first waits until it opens
// (or the plugin gives up the request): a run is then guaranteed to be in
// progress, part-way, for as long as a scenario needs, without timing guesses.
import { createServer } from 'node:http';

export async function startSource({ total = 600 } = {}) {
  let gateOpen = true;
  const waiting = new Set();
  let requests = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/contacts') {
      res.writeHead(404).end();
      return;
    }
    requests++;
    const page = Number(url.searchParams.get('page') || 1);
    const size = Number(url.searchParams.get('per_page') || 100);
    const send = () => {
      const from = (page - 1) * size;
      const data = [];
      for (let i = from; i < Math.min(total, from + size); i++) data.push({ id: i + 1, name: `Contact ${i + 1}`, email: `contact${i + 1}@example.com` });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data, meta: { total } }));
    };
    if (gateOpen || page <= 1) return send();
    const w = { send };
    waiting.add(w);
    req.on('close', () => waiting.delete(w));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/contacts`,
    total,
    get requests() {
      return requests;
    },
    /** Hold every page after the first. */
    close() {
      gateOpen = false;
    },
    /** Serve everything again, including the pages being held. */
    open() {
      gateOpen = true;
      for (const w of waiting) w.send();
      waiting.clear();
    },
    stop: () =>
      new Promise((resolve) => {
        for (const w of waiting) w.send();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
