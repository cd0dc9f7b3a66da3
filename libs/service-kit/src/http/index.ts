export {
  buildServiceApp,
  type ServiceApp,
  type ServiceAppOptions,
  type ServiceAppParts,
} from "./build-service-app.js";
export { compiledSerializerCompiler } from "./compiled-serializer.js";
export type { FrontDoor } from "./front-door.js";
export type { ReadinessCheck, ReadinessReport } from "./health-routes.js";
export * from "./http-errors.js";
export {
  isAcceptableRequestId,
  REQUEST_ID_HEADER,
  REQUEST_ID_PATTERN,
  REQUEST_ID_REPLACED_HEADER,
  requestIdGenerator,
  requestIdWasReplaced,
} from "./request-id.js";
export { findUnstorableText, type UnstorableText } from "./storable-text.js";
