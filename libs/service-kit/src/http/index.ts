export {
  buildServiceApp,
  type ServiceApp,
  type ServiceAppOptions,
  type ServiceAppParts,
} from "./build-service-app.js";
export type { ReadinessCheck } from "./health-routes.js";
export * from "./http-errors.js";
