import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import type { Logger } from "pino";
import { statementName } from "../database/statement-names.js";
import { publishAcked } from "./acked-publish.js";
import { isBrokerUnavailable } from "./publish-errors.js";
import { streamNames } from "./streams.js";

export interface OutboxRelayOptions {
  /** Connection string of the service's database, already carrying its search_path. */
  databaseUrl: string;
  /** The current NATS connection, or undefined while there is none yet. */
  nats: () => NatsConnection | undefined;
  subjectPrefix: string;
  logger: Logger;
  /** Rows taken per drain transaction. Default 100. */
  batchSize?: number;
  /** Pause after a failed publish or database error before trying again. Default 1000 ms. */
  retryDelayMs?: number;
  /**
   * How often to look for rows no wake-up announced: rows of another process that stopped before
   * publishing them, and rows whose backoff ran out. Default 250 ms; a look that finds nothing is
   * one index probe.
   */
  pollIntervalMs?: number;
  /**
   * The poll leaves rows younger than this to the pass their own process's wake-up starts (it
   * publishes them without a lock: see `OutboxRelay`); older ones it takes. Default 1000 ms: a row
   * a stopped process left behind goes out about this much later than it would otherwise.
   */
  pollGraceMs?: number;
  /**
   * A woken pass's rows are marked published at most this long after it: the marks of every pass
   * meanwhile in one statement. Default 50 ms. Must stay well under `pollGraceMs`, or other
   * processes' polls publish the rows again.
   */
  markEveryMs?: number;
  /** How long to wait for one PubAck. Default 5000 ms. */
  publishTimeoutMs?: number;
  /**
   * Publishes a row may fail, with the broker up, before it is parked. Default 10. Failures while
   * the broker is away never count: an outage delays rows, it does not park them.
   */
  maxAttempts?: number;
  /** A failed row waits this long before its next attempt, doubling each time. Default 1000 ms. */
  attemptBackoffMs?: number;
  /** Cap of that wait. Default 300000 ms (5 min); with the defaults a row is parked after ~9 min. */
  maxAttemptBackoffMs?: number;
  /**
   * Under load, drain passes begin at most this often (a first pass after a quiet spell begins at
   * once). Default 5 ms: at most 200 passes a second per process, each carrying what committed
   * since the last.
   */
  passSpacingMs?: number;
  /** Its connections' name in `pg_stat_activity`. Default "outbox relay". */
  applicationName?: string;
}

interface OutboxRow {
  id: string;
  subject: string;
  /** As text: published as it is stored, never parsed and serialised again. */
  envelope: string;
}

interface Failure {
  id: string;
  error: string;
  cause: unknown;
}

interface BatchResult {
  taken: number;
  failed: boolean;
}

/**
 * Drains at once per process. A row committed while a drain runs (claim, publish, wait for the
 * broker's acks, mark) used to wait for all of it and then a drain of its own: most of the time
 * between a sale and its event reaching the gate under load (docs/BENCHMARKS.md, "Event lag").
 * A second drain starts at once with the ids the first did not take (or, for a look at every row
 * due, the rows it did not lock: `SKIP LOCKED`).
 */
const MAX_DRAINS = 2;

/**
 * Ids of committed rows waiting for a pass, at most this many batches' worth: past it (a broker
 * outage under load) the ids are dropped and the next pass looks for every row due instead, which
 * finds the same rows. Bounds the memory an outage can take.
 */
const MAX_WAITING_BATCHES = 20;

/** How an event id looks; anything else is never put into the claim's text. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Publishes outbox rows to JetStream after their transaction commits. It drains when woken
 * (`wake(ids)`, which the service's own commits call in-process: see wakeAfterCommit), once at
 * start, and when its poll finds rows due. A wake-up names the rows its commit wrote, and the pass
 * reads those by id (a primary-key lookup each) and publishes them; a timer marks what the passes
 * published, every `markEveryMs`, in one statement. No lock is taken and no transaction held open
 * while the broker answers. Only this process was woken for them, so nothing else takes them until
 * they are marked: a look of its own leaves them (`inFlight`), and another process's poll leaves
 * rows younger than `pollGraceMs`.
 *
 * Start, the poll and a retry after a failure look for every row due instead, oldest first
 * (docs/BENCHMARKS.md, "The relay claims what it was told"), and claim with `FOR UPDATE SKIP
 * LOCKED` in a transaction, so any number of relays in any number of processes can drain one
 * outbox. Where two passes still meet on a row (a look that began just before a commit woke a pass
 * for it, a poll and a pass slower than the grace), it is published twice: the broker's msgID
 * dedupe drops the second copy, as it does a publish whose mark was lost, and consumers apply an
 * event once whatever reaches them. Other processes are never woken: each process publishes its
 * own rows, and the poll finds those of a process that stopped first.
 */
export class OutboxRelay {
  private readonly opts: Required<OutboxRelayOptions>;
  private pool: pg.Pool | undefined;
  private started = false;
  private stopped = false;
  /** A look for every row due was asked for (start, poll, a wake-up without ids, a failure). */
  private pending = false;
  /** Ids of rows committed since, woken with and not taken yet: the next passes take these. */
  private woken: string[] = [];
  /**
   * Ids woken passes are publishing or have published and not marked: no lock holds them, so a
   * look for every row due leaves them.
   */
  private readonly inFlight = new Set<string>();
  /** Published by woken passes, not marked yet: the mark timer marks them. */
  private unmarked: string[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  /** The drains running: at most MAX_DRAINS, each on a connection of the relay's pool. */
  private readonly draining = new Set<Promise<void>>();
  private retryAt = 0;
  /** When the last drain pass began (performance.now()), for `passSpacingMs`. */
  private lastPassAt = Number.NEGATIVE_INFINITY;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** A poll's probe is running: the next tick does not start another. */
  private probing = false;

  constructor(opts: OutboxRelayOptions) {
    if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) {
      throw new RangeError(
        `OutboxRelay batchSize must be a positive integer, not ${opts.batchSize}`,
      );
    }
    this.opts = {
      ...opts,
      batchSize: opts.batchSize ?? 100,
      retryDelayMs: opts.retryDelayMs ?? 1_000,
      pollIntervalMs: opts.pollIntervalMs ?? 250,
      pollGraceMs: opts.pollGraceMs ?? 1_000,
      markEveryMs: opts.markEveryMs ?? 50,
      publishTimeoutMs: opts.publishTimeoutMs ?? 5_000,
      maxAttempts: opts.maxAttempts ?? 10,
      attemptBackoffMs: opts.attemptBackoffMs ?? 1_000,
      maxAttemptBackoffMs: opts.maxAttemptBackoffMs ?? 300_000,
      passSpacingMs: opts.passSpacingMs ?? 5,
      applicationName: opts.applicationName ?? "outbox relay",
    };
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("OutboxRelay already started");
    this.started = true;
    this.pool = new pg.Pool({
      connectionString: this.opts.databaseUrl,
      max: MAX_DRAINS,
      application_name: this.opts.applicationName,
    });
    // An idle pooled client that loses its server emits here; without a listener it would crash the process.
    this.pool.on("error", (err) =>
      this.opts.logger.warn({ err }, "outbox relay: idle database connection failed"),
    );
    this.pollTimer = setInterval(() => this.poll(), this.opts.pollIntervalMs);
    this.pollTimer.unref();
    // Rows committed while no relay of ours ran (a crash, a deploy) go out now.
    this.requestDrain();
  }

  /**
   * Drains now: call it after a commit that wrote outbox rows, with their event ids (without ids,
   * the pass looks for every row due). Before the commit it would find nothing. A wake-up while a
   * drain runs starts a second one at once; with both running, the ids wait for their next pass,
   * so a row committed during a drain never waits for the poll.
   */
  wake(eventIds: readonly string[] = []): void {
    if (!this.started || this.stopped) return;
    const room = MAX_WAITING_BATCHES * this.opts.batchSize - this.woken.length;
    if (eventIds.length === 0 || eventIds.length > room) {
      // Too many waiting: every row due is found by one look, these included.
      this.woken = [];
      this.requestDrain();
      return;
    }
    for (const id of eventIds) if (UUID.test(id)) this.woken.push(id);
    this.startDrain();
  }

  /** Stops waking up, finishes the running drain, makes one last flush attempt, then disconnects. */
  async stop(): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    await Promise.all(this.draining);
    // The last look marks what the passes published first.
    clearTimeout(this.markTimer);
    try {
      await this.drainAll();
    } catch (err) {
      this.opts.logger.warn(
        { err },
        "outbox relay: final flush failed; rows stay for the next start",
      );
    }
    await this.pool?.end();
  }

  /**
   * The safety net: one index probe on the pending rows' partial index, and a look for every row
   * due only when it finds one. Skipped while such a look is due; not while passes run, which may
   * take only the rows they were woken for (under a stream of commits, always).
   */
  private poll(): void {
    const pool = this.pool;
    if (this.stopped || this.probing || this.pending || !pool) return;
    this.probing = true;
    pool
      .query(
        // A younger row is most likely on its way out with a pass its own process's wake-up
        // started: a look now would publish it a second time.
        `SELECT 1 FROM outbox_events
          WHERE published_at IS NULL AND parked_at IS NULL
            AND created_at < now() - $1 * interval '1 millisecond'
            AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          LIMIT 1`,
        [this.opts.pollGraceMs],
      )
      .then(({ rowCount }) => {
        if (rowCount) this.requestDrain();
      })
      // Four times a second during a database outage: readiness reports the database, and the
      // next drain that fails logs an error.
      .catch((err: unknown) => this.opts.logger.debug({ err }, "outbox relay: poll failed"))
      .finally(() => {
        this.probing = false;
      });
  }

  /**
   * Coalesces wake-ups: at most MAX_DRAINS drains run; a wake-up while they all run triggers one
   * more pass.
   */
  private requestDrain(): void {
    // Before start there is no pool yet; start drains whatever was committed until then.
    if (!this.started || this.stopped) return;
    this.pending = true;
    this.startDrain();
  }

  private startDrain(): void {
    if (this.draining.size >= MAX_DRAINS) return;
    const drain: Promise<void> = this.runDrains().finally(() => {
      this.draining.delete(drain);
      // A wake-up between this drain's last look and now found every drain busy and started
      // none: without this, its rows waited for the next wake-up (a poll never comes while a
      // look is pending). Not while backing off: the retry timer starts the next drain.
      if (!this.stopped && (this.pending || this.woken.length > 0) && Date.now() >= this.retryAt)
        this.startDrain();
    });
    this.draining.add(drain);
  }

  private async runDrains(): Promise<void> {
    while ((this.pending || this.woken.length > 0) && !this.stopped) {
      const wait = this.retryAt - Date.now();
      if (wait > 0) {
        // Backing off after a failure: wake-ups must not turn into a hot retry loop.
        if (!this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.requestDrain();
          }, wait);
          this.retryTimer.unref();
        }
        return;
      }
      await this.spacePass();
      if (this.stopped) return;
      try {
        if (this.pending) {
          // This look finds the woken rows too; their ids, claimed again, find nothing.
          this.pending = false;
          this.woken = [];
          await this.drainAll();
        } else {
          await this.drainWoken();
        }
      } catch (err) {
        this.opts.logger.error({ err }, "outbox relay: drain failed");
        this.backOff();
      }
    }
  }

  /**
   * Waits until `passSpacingMs` after the last pass began. Each pass costs a read and a publish
   * whatever it carries: under load (a pass every few milliseconds) the wake-ups that arrive
   * meanwhile share the next one. Measured in docs/BENCHMARKS.md ("Relay passes spaced").
   */
  private async spacePass(): Promise<void> {
    for (;;) {
      const wait = this.lastPassAt + this.opts.passSpacingMs - performance.now();
      if (wait <= 0 || this.stopped) break;
      await sleep(wait);
    }
    this.lastPassAt = performance.now();
  }

  /** A failure: after the pause, one look for every row due, which finds the woken ones too. */
  private backOff(): void {
    this.retryAt = Date.now() + this.opts.retryDelayMs;
    this.pending = true;
    this.woken = [];
  }

  /** Drains batch after batch until nothing is due or the broker is away. */
  private async drainAll(): Promise<void> {
    // Marked first: this look leaves rows in flight, and these are published already.
    await this.markPublished();
    for (;;) {
      const nc = this.connection();
      if (!nc) {
        this.backOff();
        return;
      }
      const claim = claimBatchSql(this.opts.batchSize, [...this.inFlight]);
      const { taken, failed } = await this.drainBatch(nc, claim);
      if (failed) {
        this.backOff();
        return;
      }
      if (taken < this.opts.batchSize) return;
    }
  }

  /** Publishes one batch of the woken rows, by their ids. */
  private async drainWoken(): Promise<void> {
    const ids = this.woken.splice(0, this.opts.batchSize);
    if (ids.length === 0) return;
    const nc = this.connection();
    if (!nc) {
      this.backOff();
      return;
    }
    for (const id of ids) this.inFlight.add(id);
    try {
      if (await this.publishWoken(nc, ids)) this.backOff();
    } finally {
      // What waits for its mark stays in flight (markPublished lets it go); the rest leaves now.
      const awaitingMark = new Set(this.unmarked);
      for (const id of ids) if (!awaitingMark.has(id)) this.inFlight.delete(id);
    }
  }

  /** Marks these published rows, with every other pass's, within `markEveryMs`. */
  private markLater(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.unmarked.push(id);
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      this.markPublished().catch((err: unknown) =>
        this.opts.logger.warn(
          { err },
          "outbox relay: mark failed; a poll publishes those rows again",
        ),
      );
    }, this.opts.markEveryMs);
  }

  /**
   * Marks the rows woken passes published so far, in one statement. A mark is only what tells a
   * poll the row went out: it may lag the publish, and one lost (the process stopped, the
   * statement failed) costs a second publish of the row, which the msgID dedupe drops.
   */
  private async markPublished(): Promise<void> {
    const ids = this.unmarked;
    this.unmarked = [];
    if (ids.length === 0 || !this.pool) return;
    try {
      await this.pool.query(named(MARK_PUBLISHED, [ids]));
    } finally {
      for (const id of ids) this.inFlight.delete(id);
    }
  }

  /**
   * Reads the woken rows still due (one read-only statement, no lock), publishes them and hands
   * the published to the mark timer; answers whether the broker is away. A pass that claimed,
   * marked and committed on its own cost Postgres a commit per pass, most of the relay's Postgres
   * time (docs/BENCHMARKS.md, "Woken rows marked together"). Failures are recorded at once, as a
   * claim's were.
   */
  private async publishWoken(nc: NatsConnection, ids: readonly string[]): Promise<boolean> {
    const pool = this.pool;
    if (!pool) return false;
    const { rows } = await pool.query<OutboxRow>(named(SELECT_WOKEN, [ids]));
    const outcomes = await this.publishRows(nc, rows);
    const published = rows.filter((_, i) => outcomes[i]?.status === "fulfilled").map((r) => r.id);
    if (published.length > 0) {
      this.opts.logger.debug({ count: published.length }, "outbox relay: published");
      this.markLater(published);
    }
    const failures = failuresOf(rows, outcomes);
    if (failures.length === 0) return false;
    const outage = await this.brokerUnavailable(nc, failures);
    await this.recordFailures(pool, failures, !outage);
    return outage;
  }

  /**
   * Publishes the rows together and awaits them together: one round trip per batch. A retried
   * failure mid-batch reorders events, which consumers tolerate (no order is promised, not even
   * per aggregate).
   */
  private publishRows(
    nc: NatsConnection,
    rows: readonly OutboxRow[],
  ): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.allSettled(
      rows.map((row) =>
        publishAcked(nc, `${this.opts.subjectPrefix}${row.subject}`, row.envelope, {
          msgID: row.id,
          timeoutMs: this.opts.publishTimeoutMs,
        }),
      ),
    );
  }

  private async drainBatch(nc: NatsConnection, claimSql: string): Promise<BatchResult> {
    const pool = this.pool;
    if (!pool) return { taken: 0, failed: false };
    const client = await pool.connect();
    let broken: Error | undefined;
    // A pooled client's socket error is emitted on the client, and an unheard "error" event kills
    // the process: a database that resets connections mid-drain must cost a batch, not the service.
    const onLost = (err: Error) => {
      broken = err;
    };
    client.on("error", onLost);
    try {
      // Parked rows and rows waiting out their backoff are skipped, so no number of bad rows can
      // fill every batch and hold back the good ones behind them.
      const results = (await client.query(claimSql)) as unknown as pg.QueryResult<OutboxRow>[];
      const rows = results.at(-1)?.rows ?? [];
      const outcomes = await this.publishRows(nc, rows);
      const published = rows.filter((_, i) => outcomes[i]?.status === "fulfilled").map((r) => r.id);
      const failures = failuresOf(rows, outcomes);
      if (failures.length === 0) {
        // The usual pass: the mark and the commit in one message, one round trip.
        if (published.length > 0) await client.query(markAndCommitSql(published));
        else await client.query("COMMIT");
        if (published.length > 0)
          this.opts.logger.debug({ count: published.length }, "outbox relay: published");
        return { taken: rows.length, failed: false };
      }
      if (published.length > 0) await client.query(named(MARK_PUBLISHED, [published]));
      const outage = failures.length > 0 && (await this.brokerUnavailable(nc, failures));
      if (failures.length > 0) await this.recordFailures(client, failures, !outage);
      await client.query("COMMIT");
      if (published.length > 0)
        this.opts.logger.debug({ count: published.length }, "outbox relay: published");
      return { taken: rows.length, failed: outage };
    } catch (err) {
      await client.query("ROLLBACK").catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      // A connection that cannot even roll back is discarded rather than handed out again.
      client.removeListener("error", onLost);
      client.release(broken);
    }
  }

  /**
   * Whether these failures say the broker is away rather than the rows are bad: a lost or closed
   * connection, a timeout, or an event stream the server cannot show right now (no JetStream, a
   * server that lost its state and has not been set up again).
   */
  private async brokerUnavailable(nc: NatsConnection, failures: Failure[]): Promise<boolean> {
    if (nc.isClosed() || failures.some((f) => isBrokerUnavailable(f.cause))) return true;
    try {
      const jsm = await jetstreamManager(nc, { timeout: this.opts.publishTimeoutMs });
      await jsm.streams.info(streamNames(this.opts.subjectPrefix).events);
      return false;
    } catch {
      return true;
    }
  }

  /**
   * Keeps each failure's error on its row. A failure that counts (the broker was up) also costs an
   * attempt and a backoff, and the last attempt parks the row: it stays, with its error, for an
   * operator (README "Outbox"), and is never tried again by itself.
   */
  private async recordFailures(
    client: pg.Pool | pg.PoolClient,
    failures: Failure[],
    counts: boolean,
  ): Promise<void> {
    const ids = failures.map((f) => f.id);
    const errors = failures.map((f) => f.error);
    if (counts) {
      const { rows } = await client.query<{ id: string; attempts: number; parked: boolean }>(
        `UPDATE outbox_events o SET
           attempts = o.attempts + 1,
           last_error = f.error,
           next_attempt_at = now() + least($3::float8 * 2 ^ o.attempts, $4::float8) * interval '1 millisecond',
           parked_at = CASE WHEN o.attempts + 1 >= $5 THEN now() END
         FROM unnest($1::uuid[], $2::text[]) AS f(id, error)
         WHERE o.id = f.id
         RETURNING o.id, o.attempts, o.parked_at IS NOT NULL AS parked`,
        [
          ids,
          errors,
          this.opts.attemptBackoffMs,
          this.opts.maxAttemptBackoffMs,
          this.opts.maxAttempts,
        ],
      );
      const parked = rows.filter((r) => r.parked);
      if (parked.length > 0)
        this.opts.logger.error(
          { eventIds: parked.map((r) => r.id), error: errors[0] },
          "outbox relay: rows parked after their last attempt",
        );
      this.opts.logger.warn(
        { count: failures.length - parked.length, error: errors[0] },
        "outbox relay: publish failed; will retry",
      );
      return;
    }
    await client.query(
      `UPDATE outbox_events o SET last_error = f.error
         FROM unnest($1::uuid[], $2::text[]) AS f(id, error) WHERE o.id = f.id`,
      [ids, errors],
    );
    this.opts.logger.warn(
      { count: failures.length, error: errors[0], retryInMs: this.opts.retryDelayMs },
      "outbox relay: broker unavailable; will retry",
    );
  }

  /** The broker connection to publish on, unless there is none or it was closed. */
  private connection(): NatsConnection | undefined {
    const nc = this.opts.nats();
    return nc && !nc.isClosed() ? nc : undefined;
  }
}

/**
 * Opens the drain's transaction and claims the oldest due rows, in one message (the simple
 * protocol runs all three statements: one round trip less per drain). The claim must walk the
 * pending index in order and stop after a batch, whatever the statistics say: after a burst
 * (100,000 tickets issued at once) they still described a near-empty outbox, and the planner read
 * every pending row and sorted them, 411 ms a claim and ~230 rows relayed a second, against
 * 0.7 ms walking the index (whose scans also mark published rows' entries dead, which a bitmap
 * scan never does). `batchSize` is the configured positive integer, never client input. It
 * leaves `except`: the rows this process's woken passes are publishing, which they do not lock.
 */
export function claimBatchSql(batchSize: number, except: readonly string[] = []): string {
  const notInFlight = except.length > 0 ? `AND id <> ALL(${uuidArray(except)})` : "";
  return `BEGIN;
    SET LOCAL enable_sort = off;
    SELECT id, subject, envelope::text AS envelope FROM outbox_events
     WHERE published_at IS NULL AND parked_at IS NULL
       AND (next_attempt_at IS NULL OR next_attempt_at <= now()) ${notInFlight}
     ORDER BY created_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
}

/**
 * A statement named as the kit names every parameterised text (`statementName`), so each of the
 * relay's connections plans it once: planning the woken read on every pass cost more Postgres
 * time than running it (docs/BENCHMARKS.md, "Woken rows marked together").
 */
function named(text: string, values: unknown[]): pg.QueryConfig {
  return { name: statementName(text), text, values };
}

/** The woken rows still due, by id, read without a lock (see `publishWoken`). */
const SELECT_WOKEN = `SELECT id, subject, envelope::text AS envelope FROM outbox_events
   WHERE id = ANY($1::uuid[])
     AND published_at IS NULL AND parked_at IS NULL
     AND (next_attempt_at IS NULL OR next_attempt_at <= now())`;

/** Marks published rows. A row marked meanwhile keeps its first time. */
const MARK_PUBLISHED = `UPDATE outbox_events SET published_at = now()
   WHERE id = ANY($1::uuid[]) AND published_at IS NULL`;

/** Marks the published rows and commits a claim's transaction, in one message. */
function markAndCommitSql(ids: readonly string[]): string {
  return `UPDATE outbox_events SET published_at = now() WHERE id = ANY(${uuidArray(ids)});
    COMMIT`;
}

/**
 * A uuid[] literal written into the statement's text, so that a claim and its BEGIN, or a mark
 * and its COMMIT, go in one message (the simple protocol takes no parameters). The ids are the
 * relay's own: checked against the uuid pattern by `wake`, or read from the outbox.
 */
function uuidArray(ids: readonly string[]): string {
  return `'{${ids.join(",")}}'::uuid[]`;
}

/** The rows whose publish failed, with why. */
function failuresOf(rows: OutboxRow[], outcomes: PromiseSettledResult<unknown>[]): Failure[] {
  const failures: Failure[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const row = rows[i];
    if (outcome.status === "rejected" && row) {
      const reason: unknown = outcome.reason;
      failures.push({
        id: row.id,
        error: reason instanceof Error ? reason.message : String(reason),
        cause: reason,
      });
    }
  }
  return failures;
}
