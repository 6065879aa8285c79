import { connect, createServer, type Socket } from 'node:net';

// A TCP proxy on 127.0.0.1 in front of a local port, which a test can cut: every connection
// through it is closed at once and new ones are refused, as when the network to a server goes
// down, while the server itself (and what it holds) stays up.

export interface TcpProxy {
  port: number;
  /** Closes every connection through the proxy and drops new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  let cut = false;
  const open = new Set<Socket>();
  const closeAll = (): void => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      // Either side ending ends both, so the client sees the loss as a real peer would show it.
      socket.on('error', () => undefined).on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      cut = true;
      closeAll();
    },
    restore() {
      cut = false;
    },
    async close() {
      closeAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
