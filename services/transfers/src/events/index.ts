import { ticketHandlers } from "./ticket.handlers.js";
import { userHandlers } from "./user.handlers.js";

/** Every event transfers consumes, each with a durable consumer of its own. */
export const transfersEventHandlers = [...ticketHandlers, ...userHandlers];
