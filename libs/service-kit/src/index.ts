export * from "./auth/index.js";
export * from "./config/index.js";
export * from "./database/index.js";
export * from "./events/index.js";
export * from "./http/index.js";
export { type Closeable, runService } from "./lifecycle/run-service.js";
export type {
  PrismaLike,
  PrismaOptions,
  ServiceInfrastructure,
  TransactionClientOf,
} from "./lifecycle/service-infrastructure.js";
export { createLogger, type Logger } from "./logging/logger.js";
export {
  type DatabaseSpec,
  defineService,
  type ServiceContext,
  type ServiceDefinition,
} from "./service/define-service.js";
export type { KeySpec, ServiceKeys } from "./service/service-keys.js";
export { consumersOf, type StartedService, startService } from "./service/start-service.js";
