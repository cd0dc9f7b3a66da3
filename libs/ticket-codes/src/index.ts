export {
  checkTicketCode,
  FIRST_CODE_VERSION,
  isCodeOf,
  type SignedTicket,
  signCompactTicketCode,
  signingKeyId,
  signTicketCode,
  type TicketCodeCheck,
  type TicketCodeClaims,
} from "./ticket-code.js";
export { newTicketNumber, normalizeTicketNumber } from "./ticket-number.js";
