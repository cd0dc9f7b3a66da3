import {
  ConcertCancelled,
  ConcertCreated,
  type ConcertSnapshot,
  ConcertUpdated,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../database/transaction-client.js";

/** Same rule as tickets: a concert snapshot applies only when its version is newer than the copy. */
const UPSERT_CONCERT_SQL = `
INSERT INTO gate_concerts AS c (concert_id, name, starts_at, status, version)
VALUES ($1::uuid, $2, $3::timestamptz, $4, $5)
ON CONFLICT (concert_id) DO UPDATE
   SET name = EXCLUDED.name,
       starts_at = EXCLUDED.starts_at,
       status = EXCLUDED.status,
       version = EXCLUDED.version
 WHERE c.version < EXCLUDED.version`;

export async function applyConcertSnapshot(tx: Tx, snapshot: ConcertSnapshot): Promise<void> {
  await tx.$executeRawUnsafe(
    UPSERT_CONCERT_SQL,
    snapshot.concert_id,
    snapshot.name,
    snapshot.starts_at,
    snapshot.status,
    snapshot.version,
  );
}

export const concertHandlers = [
  handlerFor(ConcertCreated, (envelope, tx: Tx) => applyConcertSnapshot(tx, envelope.payload)),
  handlerFor(ConcertUpdated, (envelope, tx: Tx) => applyConcertSnapshot(tx, envelope.payload)),
  handlerFor(ConcertCancelled, (envelope, tx: Tx) => applyConcertSnapshot(tx, envelope.payload)),
];
