export {
  checkTicketCode,
  FIRST_CODE_VERSION,
  isCodeOf,
  readTicketCode,
  type SignedTicket,
  signCompactTicketCode,
  signingKeyId,
  signTicketCode,
  type TicketCodeCheck,
  type TicketCodeClaims,
  ticketCodeDigest,
  type UncheckedTicketCode,
} from "./ticket-code.js";
export { newTicketNumber, normalizeTicketNumber } from "./ticket-number.js";
