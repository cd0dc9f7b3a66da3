import { ticketHandlers } from "./ticket.handlers.js";

/** Every event refunds consumes, each with a durable consumer of its own. */
export const refundsEventHandlers = [...ticketHandlers];
