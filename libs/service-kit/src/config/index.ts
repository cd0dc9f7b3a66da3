export { ConfigError } from "./config-error.js";
export { loadConfig } from "./load-config.js";
export { assertProductionSafe } from "./production-guards.js";
export { loadServiceConfig, type ServiceConfig, serviceDatabaseUrl } from "./service-config.js";
