import { type PayloadOf, UserAccessChanged } from "@concert/contracts";
import {
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiError,
  type JsMsg,
  jetstream,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { streamNames } from "../events/streams.js";
import type { ReadinessReport } from "../http/health-routes.js";
import type { Identity } from "./access-token.js";

/** What a token verifier asks: has this token's access been taken back since it was minted? */
export interface AccessRevocations {
  isRevoked(identity: Pick<Identity, "userId" | "accessVersion">): boolean;
}

export interface AccessRevocationWatcherOptions {
  /** NATS_URL: one URL or a comma-separated list. */
  servers: string;
  subjectPrefix: string;
  /** The service's name; the connection shows up as `<name>:access-revocations`. */
  service: string;
  logger: Logger;
  /** Pause before attaching again after the connection or the consumer failed. Default 1000 ms. */
  retryDelayMs?: number;
}

interface KnownAccess {
  version: number;
  active: boolean;
}

/** The server's code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

/**
 * Follows every UserAccessChanged ever announced and keeps the latest access version (and whether
 * the user is active) per user, so every process refuses a token minted before its user was
 * demoted or deactivated, within moments of the change and without asking identity.
 *
 * It reads through an ordered (ephemeral, in-memory, unacknowledged) consumer from the start of
 * the events stream: every replica of every service sees every change, which a shared durable
 * consumer would not give it. It has a connection of its own, so it works the same in the gateway,
 * which has no other. While the broker is away it keeps what it knew and resumes after the last
 * message it saw; until it has first read to the end of the stream, readiness says so.
 */
export class AccessRevocationWatcher implements AccessRevocations {
  private readonly latest = new Map<string, KnownAccess>();
  private readonly subject: string;
  private readonly stream: string;
  private readonly retryDelayMs: number;
  private nats: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private lastSequence = 0;
  private caughtUp = false;
  private state = "connecting to NATS";
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly caughtUpWaiters: Array<() => void> = [];

  constructor(private readonly opts: AccessRevocationWatcherOptions) {
    this.subject = `${opts.subjectPrefix}${UserAccessChanged.subject}`;
    this.stream = streamNames(opts.subjectPrefix).events;
    this.retryDelayMs = opts.retryDelayMs ?? 1_000;
  }

  isRevoked(identity: Pick<Identity, "userId" | "accessVersion">): boolean {
    const known = this.latest.get(identity.userId);
    return known !== undefined && (!known.active || identity.accessVersion < known.version);
  }

  /** The highest version wins, so a message seen twice or out of order changes nothing. */
  apply(change: PayloadOf<typeof UserAccessChanged>): void {
    const known = this.latest.get(change.user_id);
    if (known && known.version >= change.access_version) return;
    this.latest.set(change.user_id, { version: change.access_version, active: change.is_active });
  }

  /** Starts following in the background: a broker that is down delays nothing. */
  start(): void {
    this.running ??= this.run();
  }

  /** True once it has read the stream to its end at least once; false if `timeoutMs` passed first. */
  whenCaughtUp(timeoutMs: number): Promise<boolean> {
    if (this.caughtUp) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.caughtUpWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** For `/readyz`: a process that has not read every change yet could accept a revoked token. */
  /**
   * Degraded, not failed, until caught up: like NATS itself, a follower behind the broker keeps
   * the service able to serve (identity's own admin routes check its table either way), and
   * taking the gate out of rotation because the broker is away would stop admissions.
   */
  readonly readiness = async (): Promise<ReadinessReport | undefined> => {
    if (!this.caughtUp) return { degraded: `not caught up with access changes: ${this.state}` };
    return undefined;
  };

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    this.messages?.stop();
    await this.nats?.close().catch(() => undefined);
    // A connection attempt still under way closes itself when it ends (see run); no need to wait.
    await Promise.race([
      this.running,
      new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
    ]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.nats?.isClosed()) this.nats = undefined;
        this.nats ??= await connect({
          servers: this.opts.servers.split(",").map((s) => s.trim()),
          name: `${this.opts.service}:access-revocations`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
        });
        if (this.stopped) break;
        await this.follow(this.nats);
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) {
          // No stream yet: no event was ever recorded, so there is nothing to know.
          this.state = "events stream not created yet";
          this.markCaughtUp();
        } else {
          this.state = error instanceof Error ? error.message : String(error);
        }
        const log = failures++ === 0 ? "warn" : "debug";
        this.opts.logger[log]({ err: error }, "access revocations: following failed; retrying");
      }
      await this.pause();
    }
    // A connection that opened while stop() ran.
    await this.nats?.close().catch(() => undefined);
  }

  /** Reads from just after the last message seen (the start of the stream at first) onward. */
  private async follow(nats: NatsConnection): Promise<void> {
    this.state = "attaching to the events stream";
    const consumer = await jetstream(nats).consumers.get(this.stream, {
      filter_subjects: this.subject,
      ...(this.lastSequence === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastSequence + 1 }),
    });
    if ((await consumer.info(true)).num_pending === 0) this.markCaughtUp();
    else this.state = "reading the access changes recorded so far";
    this.messages = await consumer.consume();
    if (this.stopped) this.messages.stop();
    for await (const message of this.messages) {
      this.lastSequence = message.seq;
      this.read(message);
      if (message.info.pending === 0) this.markCaughtUp();
    }
  }

  private read(message: JsMsg): void {
    let envelope: unknown;
    try {
      envelope = message.json();
    } catch {
      envelope = undefined;
    }
    const parsed = UserAccessChanged.envelope.safeParse(envelope);
    if (parsed.success) this.apply(parsed.data.payload);
    else this.opts.logger.error({ seq: message.seq }, "access revocations: unreadable message");
  }

  private markCaughtUp(): void {
    if (!this.caughtUp) this.state = "caught up";
    this.caughtUp = true;
    for (const waiter of this.caughtUpWaiters.splice(0)) waiter();
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.retryDelayMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
