import { BalancedPool, Dispatcher, Pool } from "undici";
import { routeKey } from "./route-table.js";

export interface UpstreamDispatcherOptions {
  /** The service's replicas; requests are balanced over them. */
  urls: string[];
  /** `METHOD /path` of the routes sent pipelined (route-table.ts). */
  pipelinedRoutes: ReadonlySet<string>;
  /** How many pipelined requests one connection carries before its first answer. */
  pipelining: number;
  timeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * How the gateway reaches one service. The hot, short routes (the gate's scan, the purchase) go
 * pipelined: up to `pipelining` requests on one connection before the first answer, so the scans
 * that arrive together leave the gateway in one write and reach the service in one read, instead
 * of one wake-up per request on each side (docs/BENCHMARKS.md, "Scans pipelined to attendance").
 * Every other request has a connection to itself, so a slow one (a report, a login's bcrypt) never
 * holds a scan behind it.
 */
export class UpstreamDispatcher extends Dispatcher {
  readonly #pipelined: Dispatcher;
  readonly #plain: Dispatcher;
  readonly #pipelinedRoutes: ReadonlySet<string>;

  constructor(options: UpstreamDispatcherOptions) {
    super();
    const common = {
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.connectTimeoutMs },
    };
    this.#pipelined = pool(options.urls, {
      ...common,
      connections: 128,
      pipelining: options.pipelining,
    });
    this.#plain = pool(options.urls, { ...common, connections: 128, pipelining: 1 });
    this.#pipelinedRoutes = options.pipelinedRoutes;
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    if (!this.#pipelinedRoutes.has(routeKey(options.method, options.path))) {
      return this.#plain.dispatch(options, handler);
    }
    // undici pipelines only requests it may send again (idempotent) and that it need not wait on
    // (not blocking). It would send again the ones behind a connection that closed before their
    // answers; SentOnce refuses that, so a pipelined scan or purchase is never applied twice: like
    // any request whose connection broke, it answers 502 and the client decides (with its scan_id
    // or Idempotency-Key a retry is safe).
    // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
    return this.#pipelined.dispatch(
      Object.assign({}, options, PIPELINED_OPTIONS),
      new SentOnce(handler),
    );
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closed = Promise.all([this.#pipelined.close(), this.#plain.close()]).then(() => {});
    if (!callback) return closed;
    closed.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(
    errorOrCallback?: Error | null | (() => void),
    maybeCallback?: () => void,
  ): Promise<void> | void {
    const error = typeof errorOrCallback === "function" ? null : (errorOrCallback ?? null);
    const callback = typeof errorOrCallback === "function" ? errorOrCallback : maybeCallback;
    const destroyed = Promise.all([
      this.#pipelined.destroy(error),
      this.#plain.destroy(error),
    ]).then(() => {});
    if (!callback) return destroyed;
    destroyed.then(callback, callback);
  }
}

const PIPELINED_OPTIONS = { idempotent: true, blocking: false } as const;

function pool(urls: string[], options: Pool.Options): Dispatcher {
  return urls.length === 1 ? new Pool(urls[0] as string, options) : new BalancedPool(urls, options);
}

/** Raised instead of sending a pipelined request a second time. */
class NotResentError extends Error {
  readonly code = "GW_NOT_RESENT";
  constructor() {
    super("The connection closed before the answer; a pipelined request is never sent twice");
  }
}

/**
 * undici calls `onConnect` each time it writes a request; a second call means it is about to send
 * it again on a new connection, which is aborted here. It wraps the callbacks of the handler that
 * `Dispatcher.request()` (the forwarder's way in, forwarder.ts) passes; undici's newer handler
 * style would bypass it.
 */
class SentOnce implements Dispatcher.DispatchHandler {
  #sent = false;
  constructor(private readonly handler: Dispatcher.DispatchHandler) {
    if (handler.onRequestStart) throw new TypeError("SentOnce wraps only onConnect-style handlers");
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#sent) {
      abort(new NotResentError());
      return;
    }
    this.#sent = true;
    this.handler.onConnect?.(abort);
  }
  onHeaders(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onHeaders"]>>): boolean {
    return this.handler.onHeaders?.(...args) ?? true;
  }
  onData(chunk: Buffer): boolean {
    return this.handler.onData?.(chunk) ?? true;
  }
  onComplete(trailers: string[] | null): void {
    this.handler.onComplete?.(trailers);
  }
  onError(error: Error): void {
    this.handler.onError?.(error);
  }
  onUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onUpgrade"]>>): void {
    this.handler.onUpgrade?.(...args);
  }
  onBodySent(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onBodySent"]>>): void {
    this.handler.onBodySent?.(...args);
  }
}
