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
