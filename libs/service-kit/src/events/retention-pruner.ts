import type { Logger } from "pino";
import type { SqlClient } from "./sql-client.js";

const HOUR_MS = 60 * 60_000;

export interface RetentionPolicy {
  /**
   * Published outbox rows are kept this long, for an operator to look back at. Must exceed the
   * stream's duplicate window (2 min): within it, a row re-published after a lost mark would still
   * be deduplicated by its id.
   */
  outboxHours: number;
  /**
   * `processed_events` rows are kept this long, or `undefined` for a service that consumes nothing.
   * Must exceed the longest a message can still be delivered: the event stream's max age, and the
   * dead-letter stream's (a replayed dead letter). Beyond that no copy of the event exists that
   * could reach the consumer again, so its dedupe row has nothing left to guard against.
   */
  processedDays?: number;
}

export interface RetentionPrunerOptions {
  db: SqlClient;
  policy: RetentionPolicy;
  logger: Logger;
  /** Between runs. Default 10 minutes; the first run is one interval after start. */
  intervalMs?: number;
  /** Rows deleted per statement: short transactions, no long locks on a busy table. Default 1000. */
  batchSize?: number;
}

/**
 * Deletes what no replay can still need, in small batches, periodically, in every replica (the
 * deletes of two replicas only overlap; the rows go either way). Parked and unpublished rows are
 * never deleted, however old.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly batchSize: number;

  constructor(private readonly opts: RetentionPrunerOptions) {
    this.batchSize = opts.batchSize ?? 1_000;
  }

  start(): void {
    this.timer = setInterval(
      () => {
        if (this.running) return;
        this.running = this.pruneOnce()
          .catch((err: unknown) => this.opts.logger.warn({ err }, "retention: pruning failed"))
          .finally(() => {
            this.running = undefined;
          });
      },
      this.opts.intervalMs ?? 10 * 60_000,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One full pass; returns how many rows each table lost. */
  async pruneOnce(): Promise<{ outbox: number; processed: number }> {
    const { policy } = this.opts;
    const outbox = await this.deleteInBatches(
      `DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events WHERE published_at < $1 LIMIT $2)`,
      new Date(Date.now() - policy.outboxHours * HOUR_MS),
    );
    const processed =
      policy.processedDays === undefined
        ? 0
        : await this.deleteInBatches(
            `DELETE FROM processed_events WHERE (consumer, event_id) IN (
               SELECT consumer, event_id FROM processed_events WHERE processed_at < $1 LIMIT $2)`,
            new Date(Date.now() - policy.processedDays * 24 * HOUR_MS),
          );
    if (outbox + processed > 0)
      this.opts.logger.info({ outbox, processed }, "retention: pruned old rows");
    return { outbox, processed };
  }

  private async deleteInBatches(sql: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.opts.db.$executeRawUnsafe(sql, cutoff, this.batchSize);
      total += deleted;
      if (deleted < this.batchSize) return total;
    }
  }
}
