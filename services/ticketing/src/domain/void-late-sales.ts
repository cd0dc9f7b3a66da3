import { randomUUID } from "node:crypto";
import { statusesInto, TicketRefunded, TicketStatus } from "@concert/contracts";
import { recordEvents } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { Ticket } from "../generated/prisma/client.js";
import { toTicketSnapshot } from "./ticket-view.js";

/**
 * Takes the concert's row lock in the mode every sale conflicts with. Sales hold `FOR KEY SHARE`
 * on the row for their whole transaction (sell-ticket.ts): this waits for the sales in flight to
 * commit, and sales that start meanwhile wait for this transaction, then read the concert as it
 * left it (cancelled) and refuse. Other changes of the row (ticket batches, updates) take weaker
 * locks and never block sales.
 */
export async function lockConcertAgainstSales(tx: Tx, concertId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM concerts WHERE id = ${concertId}::uuid FOR UPDATE`;
}

/**
 * Undoes every sale of the concert made at or after `stoppedAt`, the moment catalog stopped the
 * concert (the cancelling event's `occurred_at`, taken inside catalog's transaction before it
 * committed). Ticketing learns of a cancellation asynchronously, so it may have sold tickets in
 * between: each such ticket still held (`sold` or `transferred`) becomes `refunded` (revision + 1)
 * and `TicketRefunded` (reason `concert_cancelled`, the price paid) goes out with the change, so
 * the gate, refunds and catalog treat it as any refunded ticket and the buyer is paid back. A sale
 * before `stoppedAt` stays: it happened before the cancellation. No seat goes back on sale: the
 * concert sells nothing more. Run after `lockConcertAgainstSales`, in the same transaction, so no
 * sale can commit after this statement has looked. A redelivery finds nothing left to void.
 */
export async function voidSalesSince(
  tx: Tx,
  concertId: string,
  stoppedAt: Date,
): Promise<Ticket[]> {
  const voided = await tx.ticket.updateManyAndReturn({
    where: {
      concertId,
      status: { in: [...statusesInto("refunded")] },
      soldAt: { gte: stoppedAt },
    },
    data: { status: TicketStatus.enum.refunded, revision: { increment: 1 } },
  });
  await recordEvents(
    tx,
    TicketRefunded,
    voided.map((ticket) => ({
      ...toTicketSnapshot(ticket),
      refund_id: randomUUID(),
      amount: ticket.price?.toNumber() ?? 0,
      reason: "concert_cancelled" as const,
    })),
  );
  return voided;
}
