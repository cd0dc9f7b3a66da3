import { TicketSold } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/**
 * Remembers each sold ticket once (keyed by ticket, so a redelivered or repeated TicketSold
 * counts once): how catalog knows a concert has sold tickets without asking ticketing.
 */
const ticketSoldHandler = handlerFor<Tx, typeof TicketSold>(TicketSold, async ({ payload }, tx) => {
  await tx.$executeRaw`
    INSERT INTO sold_tickets (ticket_id, concert_id, sold_at)
    VALUES (${payload.ticket_id}::uuid, ${payload.concert_id}::uuid, ${new Date(payload.sold_at)})
    ON CONFLICT (ticket_id) DO NOTHING`;
});

export const ticketHandlers = [ticketSoldHandler];
