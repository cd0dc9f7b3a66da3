import {
  ADMISSIBLE_STATUSES,
  type HandoverRefusal,
  type PayloadOf,
  TicketHandedOver,
  TicketHandoverRefused,
  type TransferAccepted,
} from "@concert/contracts";
import { namedStatement, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { refusalReason } from "./gate-refusal.js";

export interface HandOverParams {
  ticket_id: string;
  code_version: number;
  admissible: readonly string[];
}

/**
 * The arbiter's one conditional write for a transfer (docs/SAGAS.md): the ticket moves to the next
 * epoch (older codes answer `code_replaced`), its printed number is retired (NULL: typed in, it
 * is unknown) and so is its code's digest (that code is verified again, and refused as replaced),
 * if and only if nobody got in with it, it was not revoked for a refund, and it is
 * still at the epoch the transfer was accepted for. It locks the row the gate's claims update, so
 * Postgres serialises it with an admission and with a refund's revocation.
 */
export const HAND_OVER_TICKET = namedStatement<HandOverParams>(`
UPDATE gate_tickets t
   SET code_version = t.code_version + 1, ticket_number = NULL, code_digest = NULL,
       updated_at = now()
 WHERE t.ticket_id = :ticket_id::uuid
   AND t.admitted_at IS NULL
   AND t.revoked_at IS NULL
   AND t.status = ANY(:admissible::text[])
   AND t.code_version = :code_version::int
RETURNING t.concert_id, t.code_version`);

const PAST_DECISION = namedStatement<{ transfer_id: string }>(`
SELECT handed_over FROM gate_handovers WHERE transfer_id = :transfer_id::uuid`);

const RECORD_DECISION = namedStatement<{
  transfer_id: string;
  ticket_id: string;
  handed_over: boolean;
  reason: string | null;
}>(`
INSERT INTO gate_handovers (transfer_id, ticket_id, handed_over, reason)
VALUES (:transfer_id::uuid, :ticket_id::uuid, :handed_over::boolean, :reason::text)`);

/**
 * Decides a TransferAccepted once per transfer: hands the ticket over (TicketHandedOver, with the
 * new code version) or refuses with the reason (TicketHandoverRefused), the decision and its event
 * in the caller's transaction. A transfer decided before (a redelivery, even under another event
 * id) announces nothing new. `handOver` is the statement to decide with: only a test passes another.
 */
export async function decideHandover(
  tx: Tx,
  transfer: PayloadOf<typeof TransferAccepted>,
  handOver = HAND_OVER_TICKET,
): Promise<"handed_over" | HandoverRefusal | "decided_before"> {
  const { transfer_id, ticket_id, code_version } = transfer;
  if ((await PAST_DECISION.query(tx, { transfer_id })).length > 0) return "decided_before";
  const moved = await handOver.query<{ concert_id: string; code_version: number }>(tx, {
    ticket_id,
    code_version,
    admissible: ADMISSIBLE_STATUSES,
  });
  const row = moved[0];
  if (row) {
    await RECORD_DECISION.query(tx, { transfer_id, ticket_id, handed_over: true, reason: null });
    await recordEvent(tx, TicketHandedOver, {
      transfer_id,
      ticket_id,
      concert_id: row.concert_id,
      to_user_id: transfer.to_user_id,
      code_version: row.code_version,
    });
    return "handed_over";
  }
  const reason = await refusalReason(tx, ticket_id, code_version);
  await RECORD_DECISION.query(tx, { transfer_id, ticket_id, handed_over: false, reason });
  await recordEvent(tx, TicketHandoverRefused, { transfer_id, ticket_id, reason });
  return reason;
}
