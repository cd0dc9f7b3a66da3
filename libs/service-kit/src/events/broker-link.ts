import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { connectNats } from "./nats-connection.js";

export interface BrokerLinkOptions {
  /** One URL or a comma-separated list. */
  servers: string;
  name: string;
  logger: Logger;
  /**
   * Runs once connected, again after every reconnect, and is retried until it succeeds: provision
   * the streams, start consumers. `reconnected` is false the first time.
   */
  onConnected: (nc: NatsConnection, reconnected: boolean) => Promise<void>;
  /** Pause between failed first connects, and between failed `onConnected` runs. Default 1000 ms. */
  retryDelayMs?: number;
}

export interface BrokerState {
  /** Connected, and `onConnected` has succeeded since the last (re)connect. */
  ready: boolean;
  /** Why not, while not ready. */
  reason?: string;
}

/**
 * The service's link to NATS, which a service can start and run without: the broker being away
 * delays events (they wait in the outbox) but must not stop a service from serving what it can.
 * The first connect is tried once in `start()`; if the broker does not answer, connecting goes on
 * in the background, forever, and the connection then reconnects forever by itself.
 */
export class BrokerLink {
  private readonly retryDelayMs: number;
  private nc: NatsConnection | undefined;
  private connected = false;
  private ready = false;
  private reason = "not connected yet";
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The setup runs, one after the other (a reconnect may come while one is running). */
  private setups: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BrokerLinkOptions) {
    this.retryDelayMs = opts.retryDelayMs ?? 1_000;
  }

  /** Tries to connect and set up once, so a start with the broker up is ready at once. Never throws. */
  async start(): Promise<void> {
    await this.attempt();
  }

  /** The connection while it is up and set up; undefined while the broker is away. */
  current(): NatsConnection | undefined {
    return this.ready && this.connected ? this.nc : undefined;
  }

  /** The connection object, even while it is reconnecting (tests, tools); throws before the first connect. */
  connection(): NatsConnection {
    if (!this.nc) throw new Error("NATS not connected yet");
    return this.nc;
  }

  state(): BrokerState {
    if (this.ready && this.connected) return { ready: true };
    return { ready: false, reason: this.reason };
  }

  /** Stops connecting and setting up, and waits for a setup in progress: then nothing new starts. */
  async stopConnecting(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.setups;
  }

  async close(): Promise<void> {
    await this.stopConnecting();
    const nc = this.nc;
    if (nc && !nc.isClosed()) await nc.drain();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    try {
      const nc = await connectNats({ servers: this.opts.servers, name: this.opts.name });
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.connected = true;
      this.opts.logger.info("connected to NATS");
      void this.watch(nc);
      await this.runSetup(nc, false);
    } catch (err) {
      // Once at warn, then quietly: an outage of hours must not flood the log every second.
      const first = !this.reason.startsWith("cannot connect");
      this.reason = `cannot connect: ${errorMessage(err)}`;
      this.opts.logger[first ? "warn" : "debug"](
        { err },
        "NATS unreachable; serving without it and retrying",
      );
      this.retryLater(() => this.attempt());
    }
  }

  /** Follows the connection's status: a reconnect means the server may have lost its state. */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        this.reason = "disconnected; reconnecting";
        this.opts.logger.warn("NATS connection lost; reconnecting");
      } else if (status.type === "reconnect") {
        this.connected = true;
        this.ready = false;
        this.opts.logger.info("NATS reconnected");
        void this.runSetup(nc, true);
      }
    }
    this.connected = false;
    this.reason = "connection closed";
  }

  private runSetup(nc: NatsConnection, reconnected: boolean): Promise<void> {
    const run = this.setups.then(async () => {
      if (this.closed || nc.isClosed()) return;
      try {
        await this.opts.onConnected(nc, reconnected);
        this.ready = true;
      } catch (err) {
        this.ready = false;
        this.reason = `setup failed: ${errorMessage(err)}`;
        this.opts.logger.warn({ err }, "NATS setup failed; retrying");
        this.retryLater(() => this.runSetup(nc, reconnected));
      }
    });
    this.setups = run;
    return run;
  }

  private retryLater(work: () => Promise<void>): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void work(), this.retryDelayMs);
    this.timer.unref();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
