import {
  ConcertCancelled,
  ConcertCreated,
  ConcertDeleted,
  type ConcertSnapshot,
  ConcertStatus,
  ConcertUpdated,
  type PayloadOf,
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

/**
 * A deleted concert's copy becomes a tombstone at the deletion's version: cancelled, so the gate
 * refuses its tickets (`concert_cancelled`) whenever they arrive, and no older snapshot can bring
 * it back. A concert the gate never saw gets one with placeholder fields.
 */
const TOMBSTONE_CONCERT = namedStatement<PayloadOf<typeof ConcertDeleted> & { cancelled: string }>(`
INSERT INTO gate_concerts AS c (concert_id, name, starts_at, status, version, deleted_at)
VALUES (:concert_id::uuid, '(deleted)', 'epoch', :cancelled::text, :version::int, now())
ON CONFLICT (concert_id) DO UPDATE
   SET status = EXCLUDED.status,
       version = EXCLUDED.version,
       deleted_at = EXCLUDED.deleted_at
 WHERE c.version < EXCLUDED.version`);

export async function applyConcertSnapshot(tx: Tx, snapshot: ConcertSnapshot): Promise<void> {
  await UPSERT_CONCERT.query(tx, snapshot);
}

/** Every snapshot event carries the whole concert and is applied alike; a deletion leaves a tombstone. */
export const concertHandlers = [
  ...[ConcertCreated, ConcertUpdated, ConcertCancelled].map((event) =>
    handlerFor(event, (envelope, tx: Tx) => applyConcertSnapshot(tx, envelope.payload)),
  ),
  handlerFor(ConcertDeleted, async (envelope, tx: Tx) => {
    await TOMBSTONE_CONCERT.query(tx, {
      ...envelope.payload,
      cancelled: ConcertStatus.enum.cancelled,
    });
  }),
];
