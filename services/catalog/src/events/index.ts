import { ticketHandlers } from "./ticket.handlers.js";

/** Every event catalog consumes, each with a durable consumer of its own. */
export const catalogEventHandlers = [...ticketHandlers];
