import type { TicketSnapshot } from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

type SnapshotParams = TicketSnapshot & { price: number | null; owner_email: string | null };

/**
 * Refunds' copy of a ticket, overwritten only by a newer revision: redelivered and reordered
 * snapshots never roll it back. `price` and `owner_email` are kept when a snapshot carries none
 * (only TicketSold does); `admitted_at` is the gate's fact, which no snapshot touches.
 */
const UPSERT_TICKET = namedStatement<SnapshotParams>(`
INSERT INTO refund_tickets AS t
       (ticket_id, concert_id, owner_id, owner_email, status, price, code_version, revision)
VALUES (:ticket_id::uuid, :concert_id::uuid, :owner_id::uuid, :owner_email::text, :status::text,
        :price::numeric, :code_version::int, :revision::int)
ON CONFLICT (ticket_id) DO UPDATE
   SET concert_id = EXCLUDED.concert_id,
       owner_id = EXCLUDED.owner_id,
       owner_email = COALESCE(EXCLUDED.owner_email, t.owner_email),
       status = EXCLUDED.status,
       price = COALESCE(EXCLUDED.price, t.price),
       code_version = GREATEST(t.code_version, EXCLUDED.code_version),
       revision = EXCLUDED.revision
 WHERE t.revision < EXCLUDED.revision`);

/**
 * The gate admitted the ticket. A scan that arrives before any snapshot leaves a placeholder at
 * revision 0 (unknown to requests) that the first snapshot fills in, keeping `admitted_at`.
 */
const MARK_ADMITTED = namedStatement<{ ticket_id: string; concert_id: string; at: Date }>(`
INSERT INTO refund_tickets AS t (ticket_id, concert_id, status, revision, admitted_at)
VALUES (:ticket_id::uuid, :concert_id::uuid, 'created', 0, :at::timestamptz)
ON CONFLICT (ticket_id) DO UPDATE
   SET admitted_at = COALESCE(t.admitted_at, EXCLUDED.admitted_at)`);

/** What only a sale tells: the price paid and the buyer's email. */
export interface SaleFacts {
  price: number | null;
  buyer_email: string;
}

export async function applyTicketSnapshot(
  tx: Tx,
  snapshot: TicketSnapshot,
  sale?: SaleFacts,
): Promise<void> {
  await UPSERT_TICKET.query(tx, {
    ...snapshot,
    price: sale?.price ?? null,
    owner_email: sale?.buyer_email ? sale.buyer_email.toLowerCase() : null,
  });
}

export async function markAdmitted(
  tx: Tx,
  scan: { ticket_id: string; concert_id: string; scanned_at: string },
): Promise<void> {
  await MARK_ADMITTED.query(tx, { ...scan, at: new Date(scan.scanned_at) });
}
