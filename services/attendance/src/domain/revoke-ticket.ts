import {
  ADMISSIBLE_STATUSES,
  type PayloadOf,
  type RefundApproved,
  type RevocationRefusal,
  TicketRevocationRefused,
  TicketRevoked,
} from "@concert/contracts";
import { namedStatement, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { refusalReason } from "./gate-refusal.js";

export interface RevokeParams {
  ticket_id: string;
  refund_id: string;
  /** The holder's epoch the refund was approved for; null (older approvals): not compared. */
  code_version: number | null;
  admissible: readonly string[];
}

/**
 * The arbiter's one conditional write (docs/SAGAS.md): the ticket leaves the gate if and only if
 * nobody was admitted with it and it was not revoked before. It locks the same row the gate's
 * claim statements update, so Postgres serialises it with an admission: whichever commits first
 * wins, and the other re-checks the row and matches nothing.
 */
export const REVOKE_TICKET = namedStatement<RevokeParams>(`
UPDATE gate_tickets t
   SET revoked_at = now(), revoked_for = :refund_id::uuid, updated_at = now()
 WHERE t.ticket_id = :ticket_id::uuid
   AND t.admitted_at IS NULL
   AND t.revoked_at IS NULL
   AND t.status = ANY(:admissible::text[])
   AND (:code_version::int IS NULL OR t.code_version = :code_version::int)
RETURNING t.concert_id`);

const PAST_DECISION = namedStatement<{ refund_id: string }>(`
SELECT revoked FROM gate_revocations WHERE refund_id = :refund_id::uuid`);

const RECORD_DECISION = namedStatement<{
  refund_id: string;
  ticket_id: string;
  revoked: boolean;
  reason: string | null;
}>(`
INSERT INTO gate_revocations (refund_id, ticket_id, revoked, reason)
VALUES (:refund_id::uuid, :ticket_id::uuid, :revoked::boolean, :reason::text)`);

/**
 * Decides a RefundApproved once per refund: revokes the ticket (TicketRevoked) or refuses with the
 * reason (TicketRevocationRefused), the decision and its event in the caller's transaction. A
 * refund decided before (a redelivery, even under another event id) announces nothing new; two
 * deliveries racing collide on gate_revocations' key and the loser is retried, then sees the
 * decision. `revoke` is the statement to decide with: only a test passes another one.
 */
export async function decideRevocation(
  tx: Tx,
  refund: PayloadOf<typeof RefundApproved>,
  revoke = REVOKE_TICKET,
): Promise<"revoked" | RevocationRefusal | "decided_before"> {
  const { refund_id, ticket_id } = refund;
  if ((await PAST_DECISION.query(tx, { refund_id })).length > 0) return "decided_before";
  const code_version = refund.code_version ?? null;
  const revoked = await revoke.query<{ concert_id: string }>(tx, {
    ticket_id,
    refund_id,
    code_version,
    admissible: ADMISSIBLE_STATUSES,
  });
  const concertId = revoked[0]?.concert_id;
  if (concertId) {
    await RECORD_DECISION.query(tx, { refund_id, ticket_id, revoked: true, reason: null });
    await recordEvent(tx, TicketRevoked, { ticket_id, concert_id: concertId, refund_id });
    return "revoked";
  }
  const reason = await refusalReason(tx, ticket_id, code_version);
  await RECORD_DECISION.query(tx, { refund_id, ticket_id, revoked: false, reason });
  await recordEvent(tx, TicketRevocationRefused, { ticket_id, refund_id, reason });
  return reason;
}
