// What other packages may use of this service: its definition, to start it whole as the end-to-end tests do.
export { refundsService } from "./service.js";
