import type { MarkSoldRequest } from "@concert/contracts";
import { ConflictError, type Identity, NotFoundError, type SqlClient } from "@concert/service-kit";
import { Prisma, type Ticket } from "../generated/prisma/client.js";
import { type BoxOfficeBatcher, markSoldAlone, soldPayload } from "./box-office-batcher.js";
import type { CommandDb } from "./idempotency-keys.js";
import {
  BUYER_LIMIT_LOCK,
  type MarkSoldParams,
  PURCHASE_NEXT,
  SALE_RULES,
  type SaleRow,
} from "./sale-sql.js";

/** Where a sale runs: on its own (its one statement is its transaction), or in a caller's. */
export type SaleDb = CommandDb;

/**
 * The box office sells a specific ticket: one statement (MARK_SOLD) that also records TicketSold.
 * The buyer's account, found by email, becomes the owner; with no account yet, the email is kept
 * and the account that registers with it later owns it. On the pool (no Idempotency-Key) the sale
 * goes through the box office's batcher, which sells the tickets asked for together in one
 * statement under load; in a key's transaction it runs alone.
 */
export async function markSold(
  db: SaleDb,
  boxOffice: BoxOfficeBatcher,
  ticketId: string,
  sale: MarkSoldRequest,
): Promise<Ticket> {
  const params: MarkSoldParams = {
    ticket_id: ticketId,
    email: sale.buyer_email.trim().toLowerCase(),
    buyer_name: sale.buyer_name,
    buyer_phone: sale.buyer_phone ?? null,
    price: sale.price ?? null,
    sold_at: new Date(),
  };
  const row = db.prisma ? await boxOffice.run(params) : await markSoldAlone(db.sql, params);
  if (row?.sold) return toTicket(row);
  if (!row?.current_status) throw new NotFoundError("Ticket not found");
  if (row.current_status !== SALE_RULES.unsold_status) {
    throw new ConflictError(`Ticket is ${row.current_status}; only a created ticket can be sold`);
  }
  throw concertRefusal(row) ?? new ConflictError("Ticket was sold concurrently");
}

/**
 * A signed-in user buys the next available ticket: one statement (PURCHASE_NEXT). With a limit
 * per buyer, the buyer's advisory lock comes first, in the same transaction (the caller's, or one
 * of its own), so the statement's count sees every earlier purchase of the buyer committed.
 */
export async function purchaseNext(
  db: SaleDb,
  concertId: string,
  buyer: Identity,
  limitPerBuyer?: number,
): Promise<Ticket> {
  const email = buyer.email.toLowerCase();
  const soldAt = new Date();
  const params = {
    ...SALE_RULES,
    concert_id: concertId,
    buyer_id: buyer.userId,
    email,
    sold_at: soldAt,
    limit_per_buyer: limitPerBuyer ?? null,
  };
  const purchase = async (tx: SqlClient) => {
    if (limitPerBuyer !== undefined) {
      await BUYER_LIMIT_LOCK.query(tx, { concert_id: concertId, buyer_id: buyer.userId });
    }
    return PURCHASE_NEXT.run<SaleRow>(tx, params, soldPayload({ email, sold_at: soldAt }));
  };
  const { rows } =
    limitPerBuyer === undefined || !db.prisma
      ? await purchase(db.sql)
      : await db.prisma.$transaction(purchase);
  const row = rows[0];
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
    ...ticket
  } = row;
  return {
    ...ticket,
    id: ticket.id as string,
    price: ticket.price === null ? null : new Prisma.Decimal(ticket.price),
  } as Ticket;
}
