import type { Logger } from "../logging/logger.js";
import { isConflictError } from "./database-errors.js";

/**
 * How a batcher runs its items: each alone (the single statement, which decides everything), or
 * many of one group together in one statement.
 */
export interface BatchWork<Item, Answer> {
  /** What the batch is called in its warning: "claim batch", "sale batch". */
  name: string;
  /**
   * Runs one item on its own statement, its own transaction; its answer or error is the caller's.
   * An attempt that Postgres undid for a conflict (a deadlock) changed nothing and runs again.
   */
  alone(item: Item): Promise<Answer>;
  /**
   * Runs the items (two or more, one group) in one statement and answers those it settled, by
   * their index in `items`. Every item it leaves out runs alone afterwards; when it throws, the
   * statement was undone as a whole and every item runs alone.
   */
  together(items: Item[]): Promise<Map<number, Answer>>;
  /** Items of different groups never share a statement (different SQL); one group by default. */
  groupOf?(item: Item): string;
}

export interface StatementBatcherOptions {
  /** Statements that run at once; items arriving while all run wait for the next free one. */
  atOnce: number;
  /** The most items one statement takes: bounds the statement's size. */
  maxBatch: number;
  logger: Pick<Logger, "warn">;
}

/**
 * Attempts of an item's own statement when Postgres undoes it for a conflict: a deadlock needs two
 * transactions waiting on each other, and the one Postgres picks to undo (after its
 * `deadlock_timeout`) then runs alone again instead of answering 503.
 */
const CONFLICT_ATTEMPTS = 3;

interface Waiting<Item, Answer> {
  /** Arrival order across groups: the group whose oldest item came first goes next. */
  arrived: number;
  item: Item;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

/**
 * Runs a hot statement, at most `atOnce` at a time. An item that finds a free slot runs alone at
 * once, so a quiet service waits for nothing. Items that arrive while every slot is busy wait,
 * and the next free slot runs all that wait of one group (up to `maxBatch`) in one statement:
 * under load one round trip and one commit serve many requests, which is what lets a service keep
 * up with its database rather than with its round trips (docs/BENCHMARKS.md).
 *
 * The batch answers only what it settled; every other item, and every item of a batch that
 * failed, runs alone afterwards, as if it had come alone: refusals and errors are decided by the
 * single statement, never by the batch.
 */
export class StatementBatcher<Item, Answer> {
  private running = 0;
  private arrivals = 0;
  private readonly waiting = new Map<string, Waiting<Item, Answer>[]>();

  constructor(
    private readonly work: BatchWork<Item, Answer>,
    private readonly options: StatementBatcherOptions,
  ) {}

  run(item: Item): Promise<Answer> {
    if (this.running < this.options.atOnce) return this.slot(() => this.alone(item));
    return new Promise((resolve, reject) => {
      const group = this.work.groupOf?.(item) ?? "";
      const queue = this.waiting.get(group);
      const waiting = { arrived: this.arrivals++, item, resolve, reject };
      if (queue) queue.push(waiting);
      else this.waiting.set(group, [waiting]);
    });
  }

  /** Runs `work` in a slot; when it ends, the slot goes to whoever waits. */
  private async slot<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    while (this.running < this.options.atOnce) {
      const queue = this.oldestQueue();
      if (!queue) return;
      const batch = queue.splice(0, this.options.maxBatch);
      if (batch.length === 1) {
        const [only] = batch as [Waiting<Item, Answer>];
        this.slot(() => this.alone(only.item)).then(only.resolve, only.reject);
      } else {
        void this.slot(() => this.together(batch));
      }
    }
  }

  /** The non-empty queue whose first item arrived first; undefined when none waits. */
  private oldestQueue(): Waiting<Item, Answer>[] | undefined {
    let oldest: Waiting<Item, Answer>[] | undefined;
    let oldestArrival = Number.POSITIVE_INFINITY;
    for (const [group, queue] of this.waiting) {
      const first = queue[0];
      if (!first) {
        this.waiting.delete(group);
      } else if (first.arrived < oldestArrival) {
        oldest = queue;
        oldestArrival = first.arrived;
      }
    }
    return oldest;
  }

  private async alone(item: Item): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.work.alone(item);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isConflictError(error)) throw error;
      }
    }
  }

  /** One statement for the batch; never rejects: what it did not settle runs alone. */
  private async together(batch: Waiting<Item, Answer>[]): Promise<void> {
    let settled: Map<number, Answer>;
    try {
      settled = await this.work.together(batch.map((waiting) => waiting.item));
    } catch (error) {
      // Undone as a whole (a unique key taken meanwhile, a lost connection): each item alone will
      // meet its own cause and answer it as a single request does. Rare by design, so it is told:
      // a stream of these means the batches cost more than they save.
      this.options.logger.warn(
        { err: error, items: batch.length },
        `${this.work.name} undone; each of its items runs alone`,
      );
      settled = new Map();
    }
    // What the batch left runs alone at once, outside the slots: it already had its turn, and
    // queueing again would put it behind later arrivals.
    batch.forEach((waiting, index) => {
      if (settled.has(index)) waiting.resolve(settled.get(index) as Answer);
      else this.alone(waiting.item).then(waiting.resolve, waiting.reject);
    });
  }
}
