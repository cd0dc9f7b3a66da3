export {
  buildServiceApp,
  type ServiceApp,
  type ServiceAppOptions,
  type ServiceAppParts,
} from "./build-service-app.js";
export type { ReadinessCheck, ReadinessReport } from "./health-routes.js";
export * from "./http-errors.js";
