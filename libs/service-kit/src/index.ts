export * from "./auth/index.js";
export * from "./config/index.js";
export * from "./database/index.js";
export * from "./events/index.js";
export * from "./http/index.js";
export {
  type Closeable,
  type RunningService,
  runService,
  startedService,
} from "./lifecycle/run-service.js";
export {
  type InfrastructureOptions,
  openServiceInfrastructure,
  type PrismaLike,
  type PrismaOptions,
  type ServiceInfrastructure,
} from "./lifecycle/service-infrastructure.js";
export { createLogger, type Logger } from "./logging/logger.js";
