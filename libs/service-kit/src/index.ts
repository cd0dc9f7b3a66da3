export * from "./auth/index.js";
export * from "./config/index.js";
export * from "./database/index.js";
export * from "./events/index.js";
export * from "./http/index.js";
export { createLogger, type Logger } from "./logging/logger.js";
export { runService, type Closeable, type RunningService } from "./lifecycle/run-service.js";
export {
  openServiceInfrastructure,
  type InfrastructureOptions,
  type PrismaLike,
  type ServiceInfrastructure,
} from "./lifecycle/service-infrastructure.js";
