import { concertHandlers } from "./concert.handlers.js";
import { refundHandlers } from "./refund.handlers.js";
import { ticketHandlers } from "./ticket.handlers.js";
import { transferHandlers } from "./transfer.handlers.js";

/** Every event attendance consumes, each with a durable consumer of its own. */
export const attendanceEventHandlers = [
  ...ticketHandlers,
  ...concertHandlers,
  ...refundHandlers,
  ...transferHandlers,
];
