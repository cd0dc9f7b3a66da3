import {
  type ApiError,
  JetStreamApiError,
  JetStreamError,
  type PubAck,
  PubHeaders,
} from "@nats-io/jetstream";
import {
  createInbox,
  errors,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  RequestError,
} from "@nats-io/transport-node";

export interface AckedPublishOptions {
  /** `Nats-Msg-Id`: the broker drops a second message with the same id within its window. */
  msgID: string;
  headers?: MsgHdrs;
  /** No PubAck within this long rejects with a `TimeoutError`. Default 5,000 ms. */
  timeoutMs?: number;
}

/**
 * Publishes to JetStream and resolves with the broker's PubAck, as `js.publish` does, and rejects
 * with the errors it rejects with: a `JetStreamApiError` the broker answered (a full stream), a
 * `TimeoutError`, a `RequestError` caused by `NoRespondersError` (no stream takes the subject) or
 * by a closed connection.
 *
 * Why not `js.publish`: each call there is a core request (a random token, a promise, its own
 * timer, a fresh options object and backoff, and on every answer a `RequestError("cancelled")`
 * with its stack, thrown away: nats-core 3.4.0's `RequestOne.cancel`), 35–56 µs of CPU per message
 * on this machine against 16–26 µs for the same publish and ack here (`npm run bench:publish`);
 * every outbox row pays it (docs/BENCHMARKS.md, "JetStream publishes without the request
 * machinery"). Here one subscription per connection receives every ack, and one timer runs while
 * acks are due.
 */
export function publishAcked(
  nc: NatsConnection,
  subject: string,
  data: string | Uint8Array,
  opts: AckedPublishOptions,
): Promise<PubAck> {
  let publisher = publishers.get(nc);
  if (!publisher || publisher.closed) {
    try {
      publisher = new AckedPublisher(nc);
    } catch (error) {
      // A closed or draining connection refuses the subscription as it would the publish.
      return Promise.reject(error);
    }
    publishers.set(nc, publisher);
  }
  return publisher.publish(subject, data, opts);
}

const publishers = new WeakMap<NatsConnection, AckedPublisher>();

interface Waiting {
  subject: string;
  resolve(ack: PubAck): void;
  reject(error: Error): void;
  /** performance.now() past which no ack counts. */
  deadline: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

class AckedPublisher {
  closed = false;
  private readonly inbox: string;
  /** Publishes whose ack is due, by the token that ends their reply subject. */
  private readonly waiting = new Map<string, Waiting>();
  private nextToken = 0;
  /** Armed only while acks are due, for the earliest deadline: an idle service wakes for nothing. */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly nc: NatsConnection) {
    this.inbox = createInbox();
    // A subscription outlives reconnects (the client subscribes again), as the request mux does.
    nc.subscribe(`${this.inbox}.*`, {
      callback: (error, msg) => (error ? this.failAll(error) : this.answered(msg)),
    });
    // Resolves (never rejects) once the connection is closed for good.
    void nc.closed().then(() => this.failAll(new errors.ClosedConnectionError()));
  }

  publish(subject: string, data: string | Uint8Array, opts: AckedPublishOptions): Promise<PubAck> {
    const headers = opts.headers ?? natsHeaders();
    headers.set(PubHeaders.MsgIdHdr, opts.msgID);
    const token = String(this.nextToken++);
    return new Promise<PubAck>((resolve, reject) => {
      try {
        // Throws at once on a closed or draining connection, as a request does.
        this.nc.publish(subject, data, { reply: `${this.inbox}.${token}`, headers });
      } catch (error) {
        reject(error);
        return;
      }
      const deadline = performance.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.waiting.set(token, { subject, resolve, reject, deadline });
      if (deadline < this.timerAt) this.arm(deadline);
    });
  }

  private arm(deadline: number): void {
    clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - performance.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private answered(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const waiting = this.waiting.get(token);
    if (!waiting) return; // timed out already
    this.waiting.delete(token);
    if (this.waiting.size === 0) this.disarm();
    try {
      waiting.resolve(pubAckOf(msg, waiting.subject));
    } catch (error) {
      waiting.reject(error as Error);
    }
  }

  /** Rejects what is past its deadline and waits for the next deadline, if any. */
  private expire(): void {
    this.disarm();
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [token, waiting] of this.waiting) {
      if (waiting.deadline <= now) {
        this.waiting.delete(token);
        waiting.reject(new errors.TimeoutError());
      } else {
        next = Math.min(next, waiting.deadline);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }

  private failAll(cause: Error): void {
    this.closed = true;
    this.disarm();
    const error = new RequestError(cause.message, { cause });
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** The broker's answer to a publish, read as `js.publish` reads it. */
function pubAckOf(msg: Msg, subject: string): PubAck {
  if (msg.data.length === 0 && msg.headers?.code === 503) {
    throw new RequestError("no responders", { cause: new errors.NoRespondersError(subject) });
  }
  const answer = msg.json<Partial<PubAck> & { error?: ApiError }>();
  if (answer.error) throw new JetStreamApiError(answer.error);
  if (!answer.stream) throw new JetStreamError("invalid ack response");
  // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
  answer.duplicate ??= false;
  return answer as PubAck;
}
