import { concertHandlers } from "./concert.handlers.js";
import { ticketScannedHandler } from "./ticket-scanned.handler.js";
import { userRegisteredHandler } from "./user-registered.handler.js";

/** Every event ticketing consumes, each with a durable consumer of its own. */
export const ticketingEventHandlers = [
  ...concertHandlers,
  userRegisteredHandler,
  ticketScannedHandler,
];
