import {
  ConcertStatus,
  canTransition,
  type MarkSoldRequest,
  SOLD_STATUSES,
  TicketSold,
  TicketStatus,
  UNSOLD_STATUS,
} from "@concert/contracts";
import { ConflictError, type Identity, NotFoundError, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { Ticket } from "../generated/prisma/client.js";
import { toTicketSnapshot } from "./ticket-view.js";

/**
 * The box office sells a specific ticket. The buyer's account, found by email, becomes the owner;
 * with no account yet, the email is kept and the account that registers with it later owns it.
 * Runs in the caller's transaction (answerOnce), which an Idempotency-Key's answer joins.
 */
export async function markSold(tx: Tx, ticketId: string, sale: MarkSoldRequest): Promise<Ticket> {
  const ticket = await tx.ticket.findUnique({ where: { id: ticketId } });
  if (!ticket) throw new NotFoundError("Ticket not found");
  if (!canTransition(ticket.status, "sold")) {
    throw new ConflictError(`Ticket is ${ticket.status}; only a created ticket can be sold`);
  }
  const concert = await requireOnSale(tx, ticket.concertId);
  const email = sale.buyer_email.trim().toLowerCase();
  const account = await tx.knownUser.findUnique({ where: { email } });
  const sold = await tx.ticket.updateManyAndReturn({
    // The status in the WHERE makes two racing sales of one ticket end with one winner.
    where: { id: ticketId, status: UNSOLD_STATUS },
    data: {
      status: "sold",
      ownerId: account?.id ?? null,
      ownerEmail: email,
      buyerName: sale.buyer_name,
      buyerEmail: email,
      buyerPhone: sale.buyer_phone ?? null,
      price: sale.price ?? ticket.price ?? concert.ticketPrice,
      soldAt: new Date(),
      revision: { increment: 1 },
    },
  });
  const ticketSold = sold[0];
  if (!ticketSold) throw new ConflictError("Ticket was sold concurrently");
  await announceSale(tx, ticketSold);
  return ticketSold;
}

/**
 * A signed-in user buys the next available ticket. `FOR UPDATE SKIP LOCKED` hands each of many
 * simultaneous buyers a different ticket, and none at all once every ticket is taken: no
 * overselling, and no buyer waits on another's transaction.
 */
export async function purchaseNext(
  tx: Tx,
  concertId: string,
  buyer: Identity,
  limitPerBuyer?: number,
): Promise<Ticket> {
  const concert = await requireOnSale(tx, concertId);
  if (limitPerBuyer !== undefined) await requireUnderLimit(tx, concertId, buyer, limitPerBuyer);
  const email = buyer.email.toLowerCase();
  const account = await tx.knownUser.findUnique({ where: { id: buyer.userId } });
  const taken = await tx.$queryRaw<{ id: string }[]>`
    WITH next AS (
      SELECT id FROM tickets
       WHERE concert_id = ${concertId}::uuid AND status = ${UNSOLD_STATUS}::"TicketStatus"
       ORDER BY created_at, ticket_number
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
    UPDATE tickets t
       SET status = ${TicketStatus.enum.sold}::"TicketStatus", owner_id = ${buyer.userId}::uuid, owner_email = ${email},
           buyer_name = ${account?.fullName ?? email}, buyer_email = ${email},
           price = COALESCE(t.price, ${concert.ticketPrice}::numeric), sold_at = now(), revision = t.revision + 1,
           updated_at = now()
      FROM next WHERE t.id = next.id
    RETURNING t.id`;
  const id = taken[0]?.id;
  if (!id) throw new ConflictError("Sold out: no tickets left for this concert");
  const ticket = await tx.ticket.findUniqueOrThrow({ where: { id } });
  await announceSale(tx, ticket);
  return ticket;
}

/**
 * The concert, if it may sell, locked `FOR KEY SHARE` until the sale commits: sales do not block
 * each other, but a cancellation being applied (lockConcertAgainstSales) waits for this sale to
 * commit and then voids it if it came after the cancellation; a sale arriving while the
 * cancellation is applied waits, then reads it cancelled.
 */
async function requireOnSale(tx: Tx, concertId: string): Promise<{ ticketPrice: string | null }> {
  const [concert] = await tx.$queryRaw<{ status: string; ticket_price: string | null }[]>`
    SELECT status, ticket_price::text FROM concerts WHERE id = ${concertId}::uuid FOR KEY SHARE`;
  if (!concert) throw new NotFoundError("Concert not found");
  if (concert.status === ConcertStatus.enum.cancelled)
    throw new ConflictError("Concert is cancelled");
  return { ticketPrice: concert.ticket_price };
}

/**
 * The buyer holds fewer than `limit` tickets of the concert (refunded ones no longer count; one
 * transferred to them does). Purchases of one buyer for one concert take turns on an advisory
 * lock first, so simultaneous ones cannot together pass the limit; other buyers never wait.
 */
async function requireUnderLimit(tx: Tx, concertId: string, buyer: Identity, limit: number) {
  await tx.$queryRaw`
    SELECT pg_advisory_xact_lock(hashtextextended(${`buyer-limit:${concertId}:${buyer.userId}`}, 0))::text`;
  const held = await tx.ticket.count({
    where: { concertId, ownerId: buyer.userId, status: { in: [...SOLD_STATUSES] } },
  });
  if (held >= limit) {
    throw new ConflictError(
      `Limit reached: one buyer may hold at most ${limit} ticket(s) of this concert`,
    );
  }
}

async function announceSale(tx: Tx, ticket: Ticket): Promise<void> {
  await recordEvent(tx, TicketSold, {
    ...toTicketSnapshot(ticket),
    price: ticket.price === null ? null : ticket.price.toNumber(),
    buyer_email: ticket.buyerEmail ?? "",
    sold_at: (ticket.soldAt ?? new Date()).toISOString(),
  });
}
