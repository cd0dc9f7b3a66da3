import type { HandoverRefusal } from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/** Why an arbiter's conditional write matched nothing, read after it in the same transaction. */
const REFUSAL_STATE = namedStatement<{ ticket_id: string }>(`
SELECT admitted_at, revoked_at, status, code_version FROM gate_tickets
 WHERE ticket_id = :ticket_id::uuid`);

interface RefusalRow {
  admitted_at: Date | null;
  revoked_at: Date | null;
  status: string;
  code_version: number;
}

/**
 * Why the gate refuses to revoke or hand over a ticket (its row is settled by the failed write):
 * it got in, it was revoked, it changed hands since `code_version` (null: not compared), or the
 * gate does not hold it as sold or does not know it.
 */
export async function refusalReason(
  tx: Tx,
  ticket_id: string,
  code_version: number | null,
): Promise<HandoverRefusal> {
  const row = (await REFUSAL_STATE.query<RefusalRow>(tx, { ticket_id }))[0];
  if (!row) return "unknown_ticket";
  if (row.admitted_at !== null || row.status === "scanned_entry" || row.status === "attended")
    return "admitted";
  if (row.revoked_at !== null) return "revoked";
  if (code_version !== null && row.code_version !== code_version) return "transferred";
  return "not_admissible";
}
