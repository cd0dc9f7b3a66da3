import type { PayloadOf, TicketScanned } from "@concert/contracts";
import { type Logger, type SqlClient, StatementBatcher } from "@concert/service-kit";
import {
  ATTENDANCE_CLAIM,
  ATTENDANCE_CLAIM_BATCH,
  type BatchClaimRow,
  batchClaimParams,
  type ClaimParams,
  type ClaimRow,
  ENTRY_CLAIM,
  ENTRY_CLAIM_BATCH,
} from "./scan-sql.js";

/** One scan's claim: the single statement's parameters and the event it records. */
export interface ScanClaim {
  kind: "entry_check" | "attendance";
  params: ClaimParams;
  event: PayloadOf<typeof TicketScanned>;
  occurredAt: Date;
}

/** The ticket as the claim left it: what the answer of a scan that claimed it is built from. */
export type ClaimedTicket = Omit<BatchClaimRow, "ordinal" | "digest_mismatch">;

/**
 * What a claim found: the ticket it claimed; the single statement's row for a scan that claimed
 * nothing (its state, or no row for an unknown ticket), which says why; or, from a batch, that
 * the scan's unverified code is not its ticket's current code by digest (its signature decides).
 */
export type ClaimAnswer =
  | { claimed: ClaimedTicket }
  | { state: ClaimRow | undefined }
  | { digestMismatch: true };

const DIGEST_MISMATCH: ClaimAnswer = { digestMismatch: true };

/** The gate's claims, batched under load (the kit's StatementBatcher). */
export type ClaimBatcher = StatementBatcher<ScanClaim, ClaimAnswer>;

/**
 * The most scans one statement claims for. Far above what waits on a gate server (one per
 * connection in flight), it only bounds the statement's size.
 */
const MAX_BATCH = 32;

const SINGLE = { entry_check: ENTRY_CLAIM, attendance: ATTENDANCE_CLAIM };
const BATCH = { entry_check: ENTRY_CLAIM_BATCH, attendance: ATTENDANCE_CLAIM_BATCH };

/**
 * Runs the gate's claims, at most `atOnce` statements at a time: scans that arrive while every
 * statement runs are claimed together, one kind of scan per statement. A batch answers the scans
 * that claimed their ticket and those whose code's digest did not match; every other scan of it (denied, replayed, or in a batch that
 * failed) runs its own statement afterwards, which decides and records why.
 */
export function claimBatcher(
  sql: SqlClient,
  atOnce: number,
  logger: Pick<Logger, "warn">,
): ClaimBatcher {
  const alone = async (claim: ScanClaim): Promise<ClaimAnswer> => {
    const { rows } = await SINGLE[claim.kind].run<ClaimRow>(sql, claim.params, claim.event, {
      occurredAt: claim.occurredAt,
    });
    const row = rows[0];
    return row?.claimed ? { claimed: row } : { state: row };
  };
  const together = async (claims: ScanClaim[]): Promise<Map<number, ClaimAnswer>> => {
    const { rows } = await BATCH[(claims[0] as ScanClaim).kind].run<BatchClaimRow>(
      sql,
      batchClaimParams(claims.map((claim) => claim.params)),
      claims.map((claim) => ({ payload: claim.event, occurredAt: claim.occurredAt })),
    );
    return new Map(
      rows.map(({ ordinal, digest_mismatch, ...ticket }) => [
        Number(ordinal) - 1,
        digest_mismatch ? DIGEST_MISMATCH : { claimed: ticket },
      ]),
    );
  };
  return new StatementBatcher(
    { name: "claim batch", alone, together, groupOf: (claim) => claim.kind },
    { atOnce, maxBatch: MAX_BATCH, logger },
  );
}
