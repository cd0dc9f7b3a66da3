import { connect, type NatsConnection } from "@nats-io/transport-node";

export interface ConnectNatsOptions {
  /** One URL or a comma-separated list, e.g. "nats://127.0.0.1:4222". */
  servers: string;
  /** Shows up in the server's connection list (`nats-server` monitoring): use the service name. */
  name: string;
}

/**
 * Connects to NATS and keeps reconnecting forever: the outbox holds events while the broker is
 * away, so giving up would only turn a pause into an outage.
 */
export function connectNats(opts: ConnectNatsOptions): Promise<NatsConnection> {
  return connect({
    servers: opts.servers.split(",").map((s) => s.trim()),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Otherwise every request (each JetStream publish and ack) captures two stacks up front, a
    // RequestError and a TimeoutError, in case it fails: the relay's largest per-event cost.
    // Errors keep their message and cause; only the caller's async stack is lost.
    noAsyncTraces: true,
  });
}
