import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { AccessRevocationWatcher } from "../auth/access-revocations.js";
import { loadServiceConfig, type ServiceConfig } from "../config/service-config.js";
import { buildServiceApp, type ServiceApp } from "../http/build-service-app.js";
import type { FrontDoorSlot } from "../http/front-door.js";
import type { Closeable } from "../lifecycle/run-service.js";
import {
  openServiceInfrastructure,
  type PrismaLike,
  type ServiceInfrastructure,
} from "../lifecycle/service-infrastructure.js";
import { createLogger, type Logger } from "../logging/logger.js";
import type { ServiceContext, ServiceDefinition } from "./define-service.js";
import { type KeySpec, loadServiceKeys, type ServiceKeys } from "./service-keys.js";

/**
 * How long a start waits to have read every access change before opening its port: milliseconds
 * when the broker answers; a broker that is down delays the start by this much at most.
 */
const ACCESS_CATCH_UP_WAIT_MS = 2_000;

export interface StartedService<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
> {
  app: ServiceApp;
  config: ServiceConfig<Extra>;
  keys: ServiceKeys<K>;
  /** Its database, broker, relay and consumers (the gateway has none). */
  infra: P extends PrismaLike ? ServiceInfrastructure<P> : undefined;
  port: number;
  host: string;
  /** Closed in order after the server stopped taking requests. */
  resources: Closeable[];
  /** Stops the app and closes what it opened: what a test calls, and `runService` on a signal. */
  close(): Promise<void>;
}

/**
 * Builds a service from its definition and the environment, opening everything it needs: keys
 * first (a missing one stops the start before any connection), then its schema migrated, Prisma,
 * NATS, the outbox relay and its consumers, the watcher of access changes (every service, the
 * gateway too: see AccessRevocationWatcher), then the app with its routes. `main` (through
 * `runService`) and the tests start every service through here, so what is tested is what runs.
 */
export async function startService<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(
  definition: ServiceDefinition<Extra, P, K>,
  env: Record<string, string | undefined> = process.env,
  logger?: Logger,
): Promise<StartedService<Extra, P, K>> {
  const config = loadServiceConfig(
    definition.name,
    definition.config,
    env,
    definition.productionProblems,
  );
  const log = logger ?? createLogger(definition.name, config.LOG_LEVEL);
  const keys = loadServiceKeys(definition.keys ?? ({} as K), config);
  const infra = definition.database
    ? await openServiceInfrastructure({
        config,
        logger: log,
        prismaDir: fileURLToPath(definition.database.prismaDir),
        createPrisma: definition.database.createPrisma,
        handlers: consumersWith(definition, keys),
      })
    : undefined;
  // Every service verifies tokens (the gateway too), so every process follows access changes.
  const revocations = new AccessRevocationWatcher({
    servers: config.NATS_URL,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    service: definition.name,
    logger: log.child({ component: "access-revocations" }),
  });
  revocations.start();
  try {
    const frontDoor: FrontDoorSlot | undefined = definition.frontDoor ? {} : undefined;
    const { app, guards, verify } = await buildServiceApp({
      title: definition.name,
      description: definition.description,
      logger: log,
      readiness: { ...infra?.readiness, access_revocations: revocations.readiness },
      bodyLimit: config.BODY_LIMIT_BYTES,
      verification: keys.tokens,
      revocations,
      serveOpenApiDocument: definition.ownOpenApiDocument !== false,
      ...(frontDoor && { frontDoor }),
    });
    const context = {
      app,
      config,
      prisma: infra?.prisma,
      sql: infra?.sql,
      guards,
      verify,
      keys,
      logger: log,
    } as ServiceContext<ServiceConfig<Extra>, P, ServiceKeys<K>>;
    for (const routes of definition.routes) await routes(context);
    if (frontDoor) frontDoor.door = definition.frontDoor?.(context);
    await definition.beforeServe?.(context);
    await revocations.whenCaughtUp(ACCESS_CATCH_UP_WAIT_MS);
    const resources: Closeable[] = [
      ...(infra?.resources ?? []),
      { name: "access-revocations", close: () => revocations.stop() },
    ];
    return {
      app,
      config,
      keys,
      infra: infra as StartedService<Extra, P, K>["infra"],
      port: config.PORT,
      host: config.HOST,
      resources,
      async close() {
        await app.close();
        for (const resource of resources) await resource.close();
      },
    };
  } catch (error) {
    await revocations.stop();
    await infra?.close();
    throw error;
  }
}

/** The service's consumed events with their handlers, given its keys (`consumes` may need one). */
function consumersWith<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(definition: ServiceDefinition<Extra, P, K>, keys: ServiceKeys<K>) {
  const { consumes } = definition;
  return typeof consumes === "function" ? consumes(keys) : (consumes ?? []);
}

/**
 * What a service consumes, resolved from `env` as startService does (its config and keys): for
 * tools that look at its consumers without starting it (the benchmark waits on their backlog).
 */
export function consumersOf<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(definition: ServiceDefinition<Extra, P, K>, env: Record<string, string | undefined>) {
  const config = loadServiceConfig(
    definition.name,
    definition.config,
    env,
    definition.productionProblems,
  );
  return consumersWith(definition, loadServiceKeys(definition.keys ?? ({} as K), config));
}
