import {
  type EventDefinition,
  TicketCodeDigested,
  TicketCreated,
  TicketRefunded,
  type TicketSnapshot,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { projectionFor } from "@concert/service-kit";
import type { z } from "zod";

/** An event whose payload is a whole ticket snapshot (and maybe more). */
type SnapshotEvent = EventDefinition<string, z.ZodType<TicketSnapshot>>;

/**
 * Inserts the ticket or overwrites the copy, but only with a newer revision: redelivered and
 * reordered snapshots never roll it back. Admission (admitted_*, attended_at) and revocation
 * (revoked_*) are the gate's own facts and no snapshot touches them. The code version never goes
 * down (a handover raised it before ticketing's snapshot said so), and a snapshot of an older
 * epoch never brings back the printed number or the code digest a handover retired. A snapshot
 * of the same epoch without a digest (written before ticketing published one) keeps the copy's.
 * A burst of sales is one statement per batch (projectionFor); of a ticket the batch holds twice,
 * the newest revision is applied (what applying them one by one would leave), as ON CONFLICT
 * touches a row once.
 */
const UPSERT_FROM_FRESH = `
INSERT INTO gate_tickets AS t
       (ticket_id, concert_id, ticket_number, status, code_version, code_digest, revision,
        updated_at)
SELECT DISTINCT ON (ticket_id)
       ticket_id, concert_id, ticket_number, status, code_version, code_digest, revision, now()
  FROM fresh ORDER BY ticket_id, revision DESC
ON CONFLICT (ticket_id) DO UPDATE
   SET concert_id = EXCLUDED.concert_id,
       ticket_number = CASE WHEN EXCLUDED.code_version >= t.code_version
                            THEN EXCLUDED.ticket_number ELSE t.ticket_number END,
       status = EXCLUDED.status,
       code_digest = CASE WHEN EXCLUDED.code_version > t.code_version THEN EXCLUDED.code_digest
                          WHEN EXCLUDED.code_version = t.code_version
                          THEN COALESCE(EXCLUDED.code_digest, t.code_digest)
                          ELSE t.code_digest END,
       code_version = GREATEST(t.code_version, EXCLUDED.code_version),
       revision = EXCLUDED.revision,
       updated_at = now()
 WHERE t.revision < EXCLUDED.revision`;

export function snapshotProjection<E extends SnapshotEvent>(event: E) {
  return projectionFor(event, {
    columns: {
      ticket_id: { type: "uuid", of: (s) => s.ticket_id },
      concert_id: { type: "uuid", of: (s) => s.concert_id },
      ticket_number: { type: "text", of: (s) => s.ticket_number },
      status: { type: "text", of: (s) => s.status },
      code_version: { type: "int", of: (s) => s.code_version },
      code_digest: { type: "text", of: (s) => s.code_digest ?? null },
      revision: { type: "int", of: (s) => s.revision },
    },
    apply: UPSERT_FROM_FRESH,
  });
}

/** Every ticketing event carrying a full snapshot: adding one is one more entry here. */
export const ticketHandlers = [
  snapshotProjection(TicketCreated),
  snapshotProjection(TicketSold),
  snapshotProjection(TicketRefunded),
  snapshotProjection(TicketTransferred),
  snapshotProjection(TicketCodeDigested),
];
