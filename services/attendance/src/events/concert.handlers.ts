import {
  ConcertCancelled,
  ConcertCreated,
  type ConcertSnapshot,
  ConcertUpdated,
} from "@concert/contracts";
import { handlerFor, namedStatement } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/** Same rule as tickets: a concert snapshot applies only when its version is newer than the copy. */
const UPSERT_CONCERT = namedStatement<ConcertSnapshot>(`
INSERT INTO gate_concerts AS c (concert_id, name, starts_at, status, version)
VALUES (:concert_id::uuid, :name::text, :starts_at::timestamptz, :status::text, :version::int)
ON CONFLICT (concert_id) DO UPDATE
   SET name = EXCLUDED.name,
       starts_at = EXCLUDED.starts_at,
       status = EXCLUDED.status,
       version = EXCLUDED.version
 WHERE c.version < EXCLUDED.version`);

export async function applyConcertSnapshot(tx: Tx, snapshot: ConcertSnapshot): Promise<void> {
  await UPSERT_CONCERT.query(tx, snapshot);
}

/** Every catalog event carries the whole concert: each is applied the same way. */
export const concertHandlers = [ConcertCreated, ConcertUpdated, ConcertCancelled].map((event) =>
  handlerFor(event, (envelope, tx: Tx) => applyConcertSnapshot(tx, envelope.payload)),
);
