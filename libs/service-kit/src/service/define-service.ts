import type { z } from "zod";
import type { TokenVerifier } from "../auth/access-token.js";
import type { Guards } from "../auth/guards.js";
import type { ServiceConfig } from "../config/service-config.js";
import type { SqlPool } from "../database/sql-pool.js";
import type { ConsumedEvent } from "../events/event-handler.js";
import type { ServiceApp } from "../http/build-service-app.js";
import type { FrontDoor } from "../http/front-door.js";
import type {
  PrismaLike,
  PrismaOptions,
  TransactionClientOf,
} from "../lifecycle/service-infrastructure.js";
import type { Logger } from "../logging/logger.js";
import type { KeySpec, ServiceKeys } from "./service-keys.js";

/** What each of a service's route modules (and its `beforeServe`) is given. */
export interface ServiceContext<
  Config extends ServiceConfig = ServiceConfig,
  Prisma = undefined,
  Keys = ServiceKeys<KeySpec>,
> {
  app: ServiceApp;
  config: Config;
  prisma: Prisma;
  /**
   * Raw statements outside a transaction, on the same pool without Prisma: the way for a hot
   * path's `namedStatement`s (see SqlPool). Absent where `prisma` is (the gateway).
   */
  sql: Prisma extends undefined ? undefined : SqlPool;
  /** `requireUser` / `requireRole(...)` preValidation hooks: every service checks tokens and roles itself. */
  guards: Guards;
  verify: TokenVerifier;
  keys: Keys;
  logger: Logger;
}

export interface DatabaseSpec<P extends PrismaLike> {
  /** The service's `prisma/` folder (schema.prisma + migrations/): `new URL("../prisma", import.meta.url)`. */
  prismaDir: URL;
  /** `(options) => new PrismaClient(options)`: the kit chooses the adapter, schema and pool. */
  createPrisma: (options: PrismaOptions) => P;
}

/**
 * One service, declared: everything specific to it and nothing else. The kit turns it into a
 * running service (`runService`) or a test instance (`startService`) the same way for all.
 */
export interface ServiceDefinition<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
> {
  /** Its key in SERVICE_DIRECTORY (port, public prefix) and the Postgres schema it owns. */
  name: string;
  /** One line for the OpenAPI document and the logs. */
  description: string;
  /** Its own environment variables, besides those every service reads. */
  config?: Extra;
  /** Its own settings a production start refuses (one line each), listed with the shared ones. */
  productionProblems?: (config: ServiceConfig<Extra>) => string[];
  keys?: K;
  /** Absent only for the gateway, which owns no data. */
  database?: DatabaseSpec<P & PrismaLike>;
  /**
   * Events it consumes; each gets a durable consumer, and the effect commits with the event id.
   * A function of the service's keys for handlers that need one (ticketing signs a new code).
   */
  consumes?:
    | ConsumedEvent<TransactionClientOf<P & PrismaLike>>[]
    | ((keys: ServiceKeys<K>) => ConsumedEvent<TransactionClientOf<P & PrismaLike>>[]);
  /** Registered in order. */
  routes: Array<
    (context: ServiceContext<ServiceConfig<Extra>, P, ServiceKeys<K>>) => void | Promise<void>
  >;
  /**
   * Requests it answers on node:http before Fastify sees them (http/front-door.ts): built after
   * the routes, from the same context. Only the gateway has one: it forwards the API through it.
   */
  frontDoor?: (context: ServiceContext<ServiceConfig<Extra>, P, ServiceKeys<K>>) => FrontDoor;
  /**
   * Work after the routes are registered and before the port opens (e.g. the first admin), or
   * work it starts then that runs while the service serves and stops with the app's onClose.
   */
  beforeServe?: (context: ServiceContext<ServiceConfig<Extra>, P, ServiceKeys<K>>) => Promise<void>;
  /** `false` for the gateway, which serves every service's documents merged instead. */
  ownOpenApiDocument?: boolean;
}

/** Ties the definition's types together (config, Prisma client, keys, handlers) by inference. */
export function defineService<
  const K extends KeySpec = Record<never, never>,
  Extra extends z.ZodRawShape = Record<never, never>,
  P extends PrismaLike | undefined = undefined,
>(definition: ServiceDefinition<Extra, P, K>): ServiceDefinition<Extra, P, K> {
  return definition;
}
