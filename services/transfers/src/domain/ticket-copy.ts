import { type EventDefinition, TicketScanned, type TicketSnapshot } from "@concert/contracts";
import { namedStatement, projectionFor } from "@concert/service-kit";
import type { z } from "zod";
import type { Tx } from "../app-context.js";

type SnapshotParams = TicketSnapshot & { owner_email: string | null };

/**
 * Transfers' copy of a ticket, overwritten only by a newer revision: redelivered and reordered
 * snapshots never roll it back. `owner_email` is kept when a snapshot carries none (only TicketSold
 * does); the code version never goes down; `admitted_at` is the gate's fact, which no snapshot
 * touches. `source` gives the rows: one snapshot's VALUES, or a projection batch's SELECT.
 */
const upsertTicket = (source: string) => `
INSERT INTO transfer_tickets AS t
       (ticket_id, concert_id, owner_id, owner_email, status, code_version, revision)
${source}
ON CONFLICT (ticket_id) DO UPDATE
   SET concert_id = EXCLUDED.concert_id,
       owner_id = EXCLUDED.owner_id,
       owner_email = COALESCE(EXCLUDED.owner_email, t.owner_email),
       status = EXCLUDED.status,
       code_version = GREATEST(t.code_version, EXCLUDED.code_version),
       revision = EXCLUDED.revision
 WHERE t.revision < EXCLUDED.revision`;

const UPSERT_TICKET = namedStatement<SnapshotParams>(
  upsertTicket(`VALUES (:ticket_id::uuid, :concert_id::uuid, :owner_id::uuid, :owner_email::text,
        :status::text, :code_version::int, :revision::int)`),
);

export async function applyTicketSnapshot(
  tx: Tx,
  snapshot: TicketSnapshot,
  buyerEmail?: string,
): Promise<void> {
  await UPSERT_TICKET.query(tx, { ...snapshot, owner_email: buyerEmail?.toLowerCase() ?? null });
}

/** An event whose payload is a whole ticket snapshot (and maybe more). */
type SnapshotEvent = EventDefinition<string, z.ZodType<TicketSnapshot>>;

/**
 * The copy kept from a snapshot event, a batch per statement. Of a ticket the batch holds twice,
 * the newest revision is applied (what applying them one by one would leave), as ON CONFLICT
 * touches a row once per statement.
 */
export function ticketCopyProjection<E extends SnapshotEvent>(
  event: E,
  buyerEmailOf: (payload: z.infer<E["payload"]>) => string | undefined = () => undefined,
) {
  return projectionFor(event, {
    columns: {
      ticket_id: { type: "uuid", of: (p) => p.ticket_id },
      concert_id: { type: "uuid", of: (p) => p.concert_id },
      owner_id: { type: "uuid", of: (p) => p.owner_id },
      owner_email: { type: "text", of: (p) => buyerEmailOf(p)?.toLowerCase() ?? null },
      status: { type: "text", of: (p) => p.status },
      code_version: { type: "int", of: (p) => p.code_version },
      revision: { type: "int", of: (p) => p.revision },
    },
    apply: upsertTicket(`SELECT DISTINCT ON (ticket_id)
         ticket_id, concert_id, owner_id, owner_email, status, code_version, revision
    FROM fresh ORDER BY ticket_id, revision DESC`),
  });
}

/**
 * The gate admitted the ticket, a batch per statement; a scan before any snapshot leaves a
 * revision-0 placeholder. Of a ticket the batch holds twice, the first admission is kept.
 */
export const admissionsProjection = projectionFor(TicketScanned, {
  columns: {
    ticket_id: { type: "uuid", of: (p) => p.ticket_id },
    concert_id: { type: "uuid", of: (p) => p.concert_id },
    // A sale confirmation lets nobody in.
    admits: { type: "boolean", of: (p) => p.scan_type !== "sale_confirmation" },
    scanned_at: { type: "timestamptz", of: (p) => p.scanned_at },
  },
  apply: `
INSERT INTO transfer_tickets AS t (ticket_id, concert_id, status, revision, admitted_at)
SELECT DISTINCT ON (ticket_id) ticket_id, concert_id, 'created', 0, scanned_at
  FROM fresh WHERE admits ORDER BY ticket_id, scanned_at
ON CONFLICT (ticket_id) DO UPDATE
   SET admitted_at = COALESCE(t.admitted_at, EXCLUDED.admitted_at)`,
});
