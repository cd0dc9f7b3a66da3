import {
  ConcertCancelled,
  ConcertCreated,
  ConcertDeleted,
  type ConcertSnapshot,
  ConcertStatus,
  ConcertUpdated,
  UNSOLD_STATUS,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { lockConcertAgainstSales, voidSalesSince } from "../domain/void-late-sales.js";

/**
 * Keeps ticketing's copy of a concert. A snapshot only replaces an older version, so a
 * redelivered or late event never rolls the copy back; `tickets_issued` is ticketing's own.
 * `capacity` may be null (no limit): stored as sent.
 */
async function applyConcert(snapshot: ConcertSnapshot, tx: Tx): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO concerts (id, name, starts_at, capacity, ticket_price, status, version)
    VALUES (${snapshot.concert_id}::uuid, ${snapshot.name}, ${new Date(snapshot.starts_at)},
            ${snapshot.capacity}, ${snapshot.ticket_price}, ${snapshot.status}, ${snapshot.version})
    ON CONFLICT (id) DO UPDATE
       SET name = EXCLUDED.name, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,
           ticket_price = EXCLUDED.ticket_price, status = EXCLUDED.status,
           version = EXCLUDED.version
     WHERE concerts.version < EXCLUDED.version`;
}

/**
 * The concert is gone from catalog. Its copy becomes a tombstone at the deletion's version
 * (cancelled, so no ticket is created or sold any more; a concert never seen gets one with
 * placeholder fields), so no older snapshot brings it back. Unsold tickets go; a ticket sold
 * before the deletion is kept (the concert stays cancelled for it, and an admin refunds it); one
 * sold after it is voided (stopSales). The row lock taken here orders this against ticket creation.
 */
async function applyDeletion(payload: { concert_id: string; version: number }, tx: Tx) {
  await tx.$executeRaw`
    INSERT INTO concerts (id, name, starts_at, capacity, status, version, deleted_at)
    VALUES (${payload.concert_id}::uuid, '(deleted)', 'epoch', 0,
            ${ConcertStatus.enum.cancelled}, ${payload.version}, now())
    ON CONFLICT (id) DO UPDATE
       SET status = EXCLUDED.status, version = EXCLUDED.version, deleted_at = EXCLUDED.deleted_at
     WHERE concerts.version < EXCLUDED.version`;
  await tx.$executeRaw`
    DELETE FROM tickets
     WHERE concert_id = ${payload.concert_id}::uuid AND status = ${UNSOLD_STATUS}::"TicketStatus"`;
}

/**
 * Catalog stopped the concert (cancelled or deleted it) at `occurred_at`: from then on it sells
 * nothing. The lock makes the sales in flight finish first and later ones wait and then refuse;
 * sales ticketing made after `occurred_at`, before it learnt of the stop, are voided.
 */
async function stopSales(
  envelope: { occurred_at: string; payload: { concert_id: string } },
  tx: Tx,
  apply: () => Promise<void>,
) {
  await lockConcertAgainstSales(tx, envelope.payload.concert_id);
  await apply();
  await voidSalesSince(tx, envelope.payload.concert_id, new Date(envelope.occurred_at));
}

export const concertHandlers = [
  ...[ConcertCreated, ConcertUpdated].map((event) =>
    handlerFor<Tx, typeof event>(event, (envelope, tx) => applyConcert(envelope.payload, tx)),
  ),
  handlerFor<Tx, typeof ConcertCancelled>(ConcertCancelled, (envelope, tx) =>
    stopSales(envelope, tx, () => applyConcert(envelope.payload, tx)),
  ),
  handlerFor<Tx, typeof ConcertDeleted>(ConcertDeleted, (envelope, tx) =>
    stopSales(envelope, tx, () => applyDeletion(envelope.payload, tx)),
  ),
];
