import { TicketRefunded, TicketSold } from "@concert/contracts";
import { projectionFor } from "@concert/service-kit";

/**
 * Remembers each sold ticket once (keyed by ticket, so a redelivered or repeated TicketSold
 * counts once): how catalog knows a concert has sold tickets without asking ticketing. A burst of
 * sales is one statement per batch (projectionFor).
 */
const ticketSoldProjection = projectionFor(TicketSold, {
  columns: {
    ticket_id: { type: "uuid", of: (p) => p.ticket_id },
    concert_id: { type: "uuid", of: (p) => p.concert_id },
    sold_at: { type: "timestamptz", of: (p) => p.sold_at },
  },
  apply: `
    INSERT INTO sold_tickets (ticket_id, concert_id, sold_at)
    SELECT ticket_id, concert_id, sold_at FROM fresh
    ON CONFLICT (ticket_id) DO NOTHING`,
});

/**
 * A refunded ticket no longer counts as sold. The row stays, marked, so a TicketSold delivered
 * after its refund (reordered) cannot count the ticket again.
 */
const ticketRefundedProjection = projectionFor(TicketRefunded, {
  columns: {
    ticket_id: { type: "uuid", of: (p) => p.ticket_id },
    concert_id: { type: "uuid", of: (p) => p.concert_id },
    refunded_at: { type: "timestamptz", of: (_, { occurred_at }) => occurred_at },
  },
  apply: `
    INSERT INTO sold_tickets (ticket_id, concert_id, sold_at, refunded_at)
    SELECT ticket_id, concert_id, refunded_at, refunded_at FROM fresh
    ON CONFLICT (ticket_id) DO UPDATE SET refunded_at = EXCLUDED.refunded_at`,
});

export const ticketHandlers = [ticketSoldProjection, ticketRefundedProjection];
