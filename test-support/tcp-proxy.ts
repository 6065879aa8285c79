import { connect, createServer, type Socket } from 'node:net';

// A TCP proxy on 127.0.0.1 in front of a local port, which a test can cut: every connection
// through it is closed at once and new ones are refused, as when the network to a server goes
// down, while the server itself (and what it holds) stays up. Or silence: the connections open now
// stay open but nothing more passes through them, while new ones pass, as after a failover that
// moved the server's address (the old path black-holes, nothing says so).

export interface TcpProxy {
  port: number;
  /** Closes every connection through the proxy and drops new ones until `restore`. */
  cut(): void;
  restore(): void;
  /** From now on, the connections open through the proxy carry nothing either way; new ones work. */
  silence(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  let cut = false;
  const open = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
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
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
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
    silence() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        // Read and drop: the sender's bytes are acknowledged and go nowhere.
        for (const socket of [client, upstream]) socket.on('data', () => undefined);
      }
      pairs.clear();
    },
    async close() {
      closeAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
