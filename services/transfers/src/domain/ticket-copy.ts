import type { TicketSnapshot } from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

type SnapshotParams = TicketSnapshot & { owner_email: string | null };

/**
 * Transfers' copy of a ticket, overwritten only by a newer revision: redelivered and reordered
 * snapshots never roll it back. `owner_email` is kept when a snapshot carries none (only TicketSold
 * does); the code version never goes down; `admitted_at` is the gate's fact, which no snapshot
 * touches.
 */
const UPSERT_TICKET = namedStatement<SnapshotParams>(`
INSERT INTO transfer_tickets AS t
       (ticket_id, concert_id, owner_id, owner_email, status, code_version, revision)
VALUES (:ticket_id::uuid, :concert_id::uuid, :owner_id::uuid, :owner_email::text, :status::text,
        :code_version::int, :revision::int)
ON CONFLICT (ticket_id) DO UPDATE
   SET concert_id = EXCLUDED.concert_id,
       owner_id = EXCLUDED.owner_id,
       owner_email = COALESCE(EXCLUDED.owner_email, t.owner_email),
       status = EXCLUDED.status,
       code_version = GREATEST(t.code_version, EXCLUDED.code_version),
       revision = EXCLUDED.revision
 WHERE t.revision < EXCLUDED.revision`);

/** The gate admitted the ticket; a scan before any snapshot leaves a revision-0 placeholder. */
const MARK_ADMITTED = namedStatement<{ ticket_id: string; concert_id: string; at: Date }>(`
INSERT INTO transfer_tickets AS t (ticket_id, concert_id, status, revision, admitted_at)
VALUES (:ticket_id::uuid, :concert_id::uuid, 'created', 0, :at::timestamptz)
ON CONFLICT (ticket_id) DO UPDATE
   SET admitted_at = COALESCE(t.admitted_at, EXCLUDED.admitted_at)`);

export async function applyTicketSnapshot(
  tx: Tx,
  snapshot: TicketSnapshot,
  buyerEmail?: string,
): Promise<void> {
  await UPSERT_TICKET.query(tx, { ...snapshot, owner_email: buyerEmail?.toLowerCase() ?? null });
}

export async function markAdmitted(
  tx: Tx,
  scan: { ticket_id: string; concert_id: string; scanned_at: string },
): Promise<void> {
  await MARK_ADMITTED.query(tx, { ...scan, at: new Date(scan.scanned_at) });
}
