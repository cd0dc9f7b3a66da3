import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";

/** Something a service opened and must close on the way out (consumer, relay, pool, client). */
export interface Closeable {
  name: string;
  close(): Promise<void>;
}

export interface RunningService {
  app: FastifyInstance;
  port: number;
  host: string;
  /** Closed in order after the server stopped taking requests and finished in-flight ones. */
  resources: Closeable[];
}

const SHUTDOWN_GRACE_MS = 15_000;

/**
 * The one way a service's `main` starts: listen, then on SIGINT/SIGTERM stop accepting
 * requests, let in-flight ones finish, close consumers, flush the outbox and close connections.
 */
export async function runService(logger: Logger, start: () => Promise<RunningService>) {
  let running: RunningService;
  try {
    running = await start();
    await running.app.listen({ port: running.port, host: running.host });
  } catch (error) {
    logger.fatal({ err: error }, "service failed to start");
    // pino writes asynchronously; give the line a moment to leave before exiting.
    setTimeout(() => process.exit(1), 100);
    return;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    await running.app.close();
    for (const resource of running.resources) {
      try {
        await resource.close();
      } catch (error) {
        logger.error({ err: error, resource: resource.name }, "close failed");
      }
    }
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

/**
 * What a service's `start` returns: its app and infrastructure, in the shape `runService` listens
 * with and tests close.
 */
export function startedService<Infra extends { resources: Closeable[] }>(
  app: FastifyInstance,
  config: { PORT: number; HOST: string },
  infra: Infra,
) {
  return { app, infra, port: config.PORT, host: config.HOST, resources: infra.resources };
}
