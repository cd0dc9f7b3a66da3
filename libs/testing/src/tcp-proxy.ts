import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { freePort } from "./free-port.js";

export interface TcpProxyOptions {
  /** Where accepted connections are forwarded, e.g. Postgres at 127.0.0.1:5432. */
  target: { host: string; port: number };
  /** The proxy's own port; a free one by default. */
  port?: number;
}

/**
 * A TCP proxy a test controls, put between a service and a server everyone shares (Postgres), so
 * the test can take the server away from that one service without stopping it for anyone else.
 */
export interface TcpProxy {
  host: string;
  port: number;
  /** Connections forwarded so far (both halves open or not); shows the service really used it. */
  readonly connectionsAccepted: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /**
   * Drops every open connection (the client sees its socket reset) and stops listening, so new
   * connections are refused (ECONNREFUSED) until `accept()`.
   */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(opts: TcpProxyOptions): Promise<TcpProxy> {
  const port = opts.port ?? (await freePort());
  const host = "127.0.0.1";
  const open = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;

  const forward = (client: Socket) => {
    accepted++;
    const upstream = tcpConnect(opts.target.port, opts.target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(forward);
      next.once("error", reject);
      next.listen(port, host, () => {
        next.off("error", reject);
        server = next;
        resolve();
      });
    });

  const stopListening = async () => {
    const current = server;
    server = undefined;
    // resetAndDestroy: the peer gets an RST, as when a database host drops off the network.
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    host,
    port,
    get connectionsAccepted() {
      return accepted;
    },
    rewrite(url: string) {
      const parsed = new URL(url);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    refuse: stopListening,
    async accept() {
      if (!server) await listen();
    },
    close: stopListening,
  };
}
