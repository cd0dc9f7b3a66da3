import {
  TicketCreated,
  TicketRefunded,
  type TicketSnapshot,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { handlerFor, namedStatement } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/**
 * Inserts the ticket or overwrites the copy, but only with a newer revision: redelivered and
 * reordered snapshots never roll it back. Admission (admitted_*, attended_at) and revocation
 * (revoked_*) are the gate's own facts and no snapshot touches them. The code version never goes
 * down (a handover raised it before ticketing's snapshot said so), and a snapshot of an older
 * epoch never brings back the printed number a handover retired.
 */
const UPSERT_TICKET = namedStatement<TicketSnapshot>(`
INSERT INTO gate_tickets AS t
       (ticket_id, concert_id, ticket_number, status, code_version, revision, updated_at)
VALUES (:ticket_id::uuid, :concert_id::uuid, :ticket_number::text, :status::text,
        :code_version::int, :revision::int, now())
ON CONFLICT (ticket_id) DO UPDATE
   SET concert_id = EXCLUDED.concert_id,
       ticket_number = CASE WHEN EXCLUDED.code_version >= t.code_version
                            THEN EXCLUDED.ticket_number ELSE t.ticket_number END,
       status = EXCLUDED.status,
       code_version = GREATEST(t.code_version, EXCLUDED.code_version),
       revision = EXCLUDED.revision,
       updated_at = now()
 WHERE t.revision < EXCLUDED.revision`);

export async function applyTicketSnapshot(tx: Tx, snapshot: TicketSnapshot): Promise<void> {
  await UPSERT_TICKET.query(tx, snapshot);
}

/** Every ticketing event carrying a full snapshot: adding one is one more line here. */
export const ticketHandlers = [TicketCreated, TicketSold, TicketRefunded, TicketTransferred].map(
  (event) => handlerFor(event, (envelope, tx: Tx) => applyTicketSnapshot(tx, envelope.payload)),
);
