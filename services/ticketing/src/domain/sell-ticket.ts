import type { MarkSoldRequest } from "@concert/contracts";
import { ConflictError, type Identity, NotFoundError, type SqlClient } from "@concert/service-kit";
import { Prisma, type Ticket } from "../generated/prisma/client.js";
import type { CommandDb } from "./idempotency-keys.js";
import { purchaseAlone } from "./purchase-alone.js";
import { type SaleBatcher, type SaleOrder, saleAlone } from "./sale-batcher.js";
import { BUYER_LIMIT_LOCK, SALE_RULES, type SaleRow } from "./sale-sql.js";

/** Where a sale runs: on its own (its one statement is its transaction), or in a caller's. */
export type SaleDb = CommandDb;

/**
 * Runs a sale's one statement: on the pool (no Idempotency-Key) through the batcher, which makes
 * the sales that arrive together in one statement under load; in a key's transaction, alone.
 */
function sell(db: SaleDb, sales: SaleBatcher, order: SaleOrder): Promise<SaleRow | undefined> {
  return db.prisma ? sales.run(order) : saleAlone(db.sql, order, "transaction");
}

/**
 * The box office sells a specific ticket: one statement (MARK_SOLD) that also records TicketSold.
 * The buyer's account, found by email, becomes the owner; with no account yet, the email is kept
 * and the account that registers with it later owns it.
 */
export async function markSold(
  db: SaleDb,
  sales: SaleBatcher,
  ticketId: string,
  request: MarkSoldRequest,
): Promise<Ticket> {
  const sale = {
    ticket_id: ticketId,
    email: request.buyer_email.trim().toLowerCase(),
    buyer_name: request.buyer_name,
    buyer_phone: request.buyer_phone ?? null,
    price: request.price ?? null,
    sold_at: new Date(),
  };
  const row = await sell(db, sales, { kind: "mark_sold", sale });
  if (row?.sold) return toTicket(row);
  if (!row?.current_status) throw new NotFoundError("Ticket not found");
  if (row.current_status !== SALE_RULES.unsold_status) {
    throw new ConflictError(`Ticket is ${row.current_status}; only a created ticket can be sold`);
  }
  throw concertRefusal(row) ?? new ConflictError("Ticket was sold concurrently");
}

/**
 * A signed-in user buys the next available ticket: one statement (PURCHASE_NEXT; a second,
 * PURCHASE_HELD, only when other work held every unsold ticket; purchase-alone.ts). With a limit
 * per buyer, the buyer's advisory lock comes first, in the same transaction (the caller's, or one
 * of its own), so the statement's count sees every earlier purchase of the buyer committed; such
 * a purchase is never batched.
 */
export async function purchaseNext(
  db: SaleDb,
  sales: SaleBatcher,
  concertId: string,
  buyer: Identity,
  limitPerBuyer?: number,
): Promise<Ticket> {
  const sale = {
    concert_id: concertId,
    buyer_id: buyer.userId,
    email: buyer.email.toLowerCase(),
    sold_at: new Date(),
  };
  const limited = async (tx: SqlClient) => {
    await BUYER_LIMIT_LOCK.query(tx, { concert_id: concertId, buyer_id: buyer.userId });
    const limited = Object.assign({}, sale, { limit_per_buyer: limitPerBuyer ?? null });
    return purchaseAlone(tx, limited, "transaction");
  };
  const row =
    limitPerBuyer === undefined
      ? await sell(db, sales, { kind: "purchase", sale })
      : db.prisma
        ? await db.prisma.$transaction(limited)
        : await limited(db.sql);
  if (row?.sold) return toTicket(row);
  const refusal = row && concertRefusal(row);
  if (refusal) throw refusal;
  if (row?.at_limit) {
    throw new ConflictError(
      `Limit reached: one buyer may hold at most ${limitPerBuyer} ticket(s) of this concert`,
    );
  }
  throw new ConflictError("Sold out: no tickets left for this concert");
}

/** The concert is unknown (404) or cancelled (409); undefined when it may sell. */
function concertRefusal(row: SaleRow): NotFoundError | ConflictError | undefined {
  if (row.concert_status === null) return new NotFoundError("Concert not found");
  if (row.concert_status === SALE_RULES.cancelled) return new ConflictError("Concert is cancelled");
  return undefined;
}

/** The sold row as the Ticket model: the statement names its columns so; the price is exact text. */
function toTicket(row: SaleRow): Ticket {
  const {
    sold: _sold,
    concert_status: _concert,
    current_status: _current,
    at_limit: _limit,
    others_hold: _others,
    ...ticket
  } = row;
  return {
    ...ticket,
    id: ticket.id as string,
    price: ticket.price === null ? null : new Prisma.Decimal(ticket.price),
  } as Ticket;
}
