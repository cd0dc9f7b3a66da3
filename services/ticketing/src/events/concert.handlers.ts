import {
  ConcertCancelled,
  ConcertCreated,
  type ConcertSnapshot,
  ConcertUpdated,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/**
 * Keeps ticketing's copy of a concert. A snapshot only replaces an older version, so a
 * redelivered or late event never rolls the copy back; `tickets_issued` is ticketing's own.
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

export const concertHandlers = [ConcertCreated, ConcertUpdated, ConcertCancelled].map((event) =>
  handlerFor<Tx, typeof event>(event, (envelope, tx) => applyConcert(envelope.payload, tx)),
);
