// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { loadTicketingConfig, type TicketingConfig } from "./config.js";
export { startTicketing } from "./start.js";
