import { setFlagsFromString } from "node:v8";
import type { z } from "zod";
import { ConfigError } from "../config/config-error.js";
import { createLogger } from "../logging/logger.js";
import type { ServiceDefinition } from "../service/define-service.js";
import type { KeySpec } from "../service/service-keys.js";
import { type StartedService, startService } from "../service/start-service.js";
import type { PrismaLike } from "./service-infrastructure.js";

/** Something a service opened and must close on the way out (consumer, relay, pool, client). */
export interface Closeable {
  name: string;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 15_000;

/**
 * Prisma's query compiler is WebAssembly, compiled on the first query. V8's optimizing tier for it
 * leaves 20-30 MB of freed compiler memory in the allocator for good, yet Prisma caches its query
 * plans, so the optimized code bought nothing measurable (docs/BENCHMARKS.md, "Idle memory").
 * Set before anything compiles WebAssembly: the flag is read per compilation.
 */
function keepWebAssemblyOnBaselineTier(): void {
  setFlagsFromString("--liftoff-only");
}

/**
 * The whole of every service's `main`: start it from the environment and listen, then on
 * SIGINT/SIGTERM stop accepting requests, let in-flight ones finish, close consumers, flush the
 * outbox and close connections.
 */
export async function runService<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(definition: ServiceDefinition<Extra, P, K>): Promise<void> {
  keepWebAssemblyOnBaselineTier();
  // Until the config is read (and LOG_LEVEL validated), failures are logged at info.
  let logger = createLogger(definition.name, "info");
  let running: StartedService<Extra, P, K>;
  try {
    running = await startService(definition);
    logger = running.app.log as typeof logger;
    await running.app.listen({ port: running.port, host: running.host });
  } catch (error) {
    if (error instanceof ConfigError) logger.fatal(error.message);
    else logger.fatal({ err: error }, "service failed to start");
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
