import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { workerEntry } from "../lifecycle/worker-entry.js";

export interface RelayThreadOptions {
  /** The service's name: its relay's NATS connection and log lines carry it. */
  service: string;
  /** Connection string of the service's database, already carrying its search_path. */
  databaseUrl: string;
  /** NATS servers, as the service's own connection takes them. */
  natsServers: string;
  subjectPrefix: string;
  passSpacingMs: number;
  logger: Logger;
  /** Pause before a thread that died is started again. Default 1000 ms. */
  restartDelayMs?: number;
  /** How long `stop` waits for the last flush before it ends the thread. Default 15000 ms. */
  stopTimeoutMs?: number;
}

/** What the relay's thread is given at start (see relay-thread-worker.ts). */
export interface RelayThreadData {
  service: string;
  databaseUrl: string;
  natsServers: string;
  subjectPrefix: string;
  passSpacingMs: number;
  logLevel: string;
}

export type ToRelayThread = { wake: readonly string[] } | { stop: true };
export type FromRelayThread = { started: true };

/**
 * The service's outbox relay (`OutboxRelay`), run in a worker thread of its own with its own
 * database pool and NATS connection. The relay's work per event (the read, the publish, parsing
 * each PubAck, the mark) used to run on the event loop that answers requests: at the gate that
 * was a sixth of the loop's time (docs/BENCHMARKS.md, "The relay on a thread of its own").
 * `wake` hands the committed event ids over; a thread that dies is started again, and its start
 * looks for every row due, so a row it had not published is not lost.
 */
export class RelayThread {
  private readonly restartDelayMs: number;
  private readonly stopTimeoutMs: number;
  private worker: Worker | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Ids woken in this turn of the event loop, handed over together by `handOver`. */
  private woken: string[] = [];
  private handOver: NodeJS.Immediate | undefined;

  constructor(private readonly opts: RelayThreadOptions) {
    this.restartDelayMs = opts.restartDelayMs ?? 1_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  }

  /** Resolves once the thread's relay has started (its first look for rows due is under way). */
  start(): Promise<void> {
    if (this.worker) throw new Error("RelayThread already started");
    return this.spawn();
  }

  /**
   * Drains now: see `OutboxRelay.wake`. The ids of one turn of the event loop cross to the thread
   * in one message (each message wakes the thread: a system call on each side). Ids woken while
   * the thread restarts are found by its start.
   */
  wake(eventIds: readonly string[] = []): void {
    if (this.stopping || !this.worker) return;
    if (eventIds.length === 0) {
      this.worker.postMessage({ wake: [] } satisfies ToRelayThread);
      return;
    }
    // Not push(...eventIds): a batch of 150,000 ids overflows the call stack.
    for (const id of eventIds) this.woken.push(id);
    this.handOver ??= setImmediate(() => {
      this.handOver = undefined;
      const ids = this.woken;
      this.woken = [];
      this.worker?.postMessage({ wake: ids } satisfies ToRelayThread);
    });
  }

  /** The relay's last flush, then the thread ends. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    // The last ids first: the thread's stop finishes their pass (or its last look finds them).
    if (this.handOver) {
      clearImmediate(this.handOver);
      worker.postMessage({ wake: this.woken } satisfies ToRelayThread);
    }
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ stop: true } satisfies ToRelayThread);
    const timer = setTimeout(() => {
      this.opts.logger.warn("outbox relay thread: its last flush took too long; ended");
      void worker.terminate();
    }, this.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): Promise<void> {
    const data: RelayThreadData = {
      service: this.opts.service,
      databaseUrl: this.opts.databaseUrl,
      natsServers: this.opts.natsServers,
      subjectPrefix: this.opts.subjectPrefix,
      passSpacingMs: this.opts.passSpacingMs,
      logLevel: this.opts.logger.level,
    };
    const worker = new Worker(workerEntry(import.meta.url, "relay-thread-worker"), {
      workerData: data,
      name: `${this.opts.service} outbox relay`,
    });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: FromRelayThread) => {
        if ("started" in message) {
          started = true;
          resolve();
        }
      });
      worker.once("error", (err) => {
        this.opts.logger.error({ err }, "outbox relay thread failed");
        if (!started) reject(err);
      });
      worker.once("exit", (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!started) reject(new Error(`the outbox relay thread exited (code ${code}) at start`));
        else if (!this.stopping) this.restartLater(code);
      });
    });
  }

  private restartLater(code: number): void {
    this.opts.logger.error({ code }, "outbox relay thread ended; starting it again");
    this.restartTimer = setTimeout(() => {
      this.spawn().catch((err: unknown) => {
        this.opts.logger.error({ err }, "outbox relay thread did not start");
        if (!this.stopping) this.restartLater(1);
      });
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }
}
