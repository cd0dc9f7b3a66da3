export {
  checkTicketCode,
  signTicketCode,
  type TicketCodeCheck,
  type TicketCodeClaims,
} from "./ticket-code.js";
export {
  loadTicketCodeSigningKey,
  loadTicketCodeVerifyKey,
  ticketCodeKeyConfig,
} from "./ticket-code-keys.js";
export { newTicketNumber, normalizeTicketNumber } from "./ticket-number.js";
