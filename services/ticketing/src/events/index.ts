import { concertHandlers } from "./concert.handlers.js";
import { ticketHandlers } from "./ticket.handlers.js";
import { userHandlers } from "./user.handlers.js";

/** Every event ticketing consumes, each with a durable consumer of its own. */
export const ticketingEventHandlers = [...concertHandlers, ...userHandlers, ...ticketHandlers];
