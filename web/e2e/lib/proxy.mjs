// A TCP proxy in front of the server, so a scenario can cut the browser off
// at will: down() destroys every open connection (the dashboard's socket
// drops without a close frame, as on a network failure) and refuses new ones
// until up(). The server itself keeps running and keeps accepting API calls
// made directly to it, which is how the suite publishes events "while the
// dashboard is disconnected" without guessing at timings.
import { createServer, connect } from 'node:net';

export async function startProxy(targetPort) {
  const open = new Set();
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream };
    open.add(pair);
    const drop = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    /** Cut every connection and refuse new ones. */
    down() {
      isDown = true;
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
    },
    up() {
      isDown = false;
    },
    get connections() {
      return open.size;
    },
    close: () =>
      new Promise((resolve) => {
        isDown = true;
        for (const { client, upstream } of open) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
