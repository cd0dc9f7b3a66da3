// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { type IdentityConfig, loadIdentityConfig } from "./config.js";
export { startIdentity } from "./start.js";
