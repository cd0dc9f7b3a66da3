import { TicketRefunded, TicketSold } from "@concert/contracts";
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

/**
 * A refunded ticket no longer counts as sold. The row stays, marked, so a TicketSold delivered
 * after its refund (reordered) cannot count the ticket again.
 */
const ticketRefundedHandler = handlerFor<Tx, typeof TicketRefunded>(
  TicketRefunded,
  async ({ payload, occurred_at }, tx) => {
    await tx.$executeRaw`
      INSERT INTO sold_tickets (ticket_id, concert_id, sold_at, refunded_at)
      VALUES (${payload.ticket_id}::uuid, ${payload.concert_id}::uuid,
              ${new Date(occurred_at)}, ${new Date(occurred_at)})
      ON CONFLICT (ticket_id) DO UPDATE SET refunded_at = EXCLUDED.refunded_at`;
  },
);

export const ticketHandlers = [ticketSoldHandler, ticketRefundedHandler];
