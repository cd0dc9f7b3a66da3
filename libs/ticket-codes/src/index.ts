export {
  checkTicketCode,
  FIRST_CODE_VERSION,
  type SignedTicket,
  signCompactTicketCode,
  signTicketCode,
  type TicketCodeCheck,
  type TicketCodeClaims,
} from "./ticket-code.js";
export { newTicketNumber, normalizeTicketNumber } from "./ticket-number.js";
