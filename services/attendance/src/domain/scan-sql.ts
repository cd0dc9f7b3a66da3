// Every statement of the gate's hot path, with named parameters numbered once at module load. The
// benchmark runs ENTRY_CLAIM's same SQL and parameters through pgbench to compare the service with
// the bare database: change the SQL here only, never inline it elsewhere.
//
// Tables resolve in the service's schema (the connection's search_path is "attendance").

import {
  ADMISSIBLE_STATUSES,
  ConcertStatus,
  statusesInto,
  TicketScanned,
  type TicketStatus,
} from "@concert/contracts";
import { namedStatement, recordEventsWith, recordEventWith } from "@concert/service-kit";

/** The contracts' rules the claims apply, passed as parameters so no status is re-typed in SQL. */
export const GATE_RULES = {
  admissible: ADMISSIBLE_STATUSES,
  admitted_status: "scanned_entry" satisfies TicketStatus,
  /** Already in by ticketing's snapshot, not by a scan here. */
  entered: statusesInto("attended"),
  attended_status: "attended" satisfies TicketStatus,
  cancelled: ConcertStatus.enum.cancelled,
};

/** What one entry or attendance scan brings to its claim statement. */
export interface ScanParams {
  ticket_id: string;
  /**
   * The newest code version the scan proves: a verified code's own, the version at which a typed
   * number was current, the first version for a bare ticket id.
   */
  code_version: number;
  /**
   * The digest of a presented code whose signature was not checked: the claim then requires it to
   * be the digest of the ticket's current code (ticketing's, kept in the copy), which makes the
   * code genuine. Null: nothing to match (a verified code, a typed number, a ticket id).
   */
  code_digest: string | null;
  /** The concert the scanner expects; null: any concert whose doors are open. */
  concert_id: string | null;
  /** The door window around a concert's start (config), for scans that name no concert. */
  doors_open_before_minutes: number;
  admit_until_after_minutes: number;
  gate: string | null;
  scan_id: string;
  device_id: string | null;
  scanned_by: string;
  fingerprint: string;
  scanned_at: Date;
  notes: string | null;
}

export type ClaimParams = ScanParams & typeof GATE_RULES;

/**
 * Where a claim reads one scan's own values: the statement's parameters when it claims for one
 * scan, a column when it claims for a batch (the batch row `b`, or the claimed row that carries
 * it). The rules are written once, over this, so a batch applies exactly a single scan's rules.
 */
type ScanValue = (name: keyof ScanParams, type: string) => string;
const fromParams: ScanValue = (name, type) => `:${name}::${type}`;
const fromBatch: ScanValue = (name) => `b.${name}`;
const fromClaimed: ScanValue = (name) => name;

/**
 * The door rule, over the ticket row `ticket`: a scan that names its concert may admit at any time
 * (the device was set up for that concert); one that names none admits only while the ticket's
 * concert is in its door window, from `doors_open_before_minutes` before its start to
 * `admit_until_after_minutes` after it. A concert the gate has not heard of has no known window
 * and admits only by name. The claim requires it and the answer of a claim that matched nothing
 * reports it, from this one expression.
 */
const doorsOpen = (
  ticket: string,
  scan: ScanValue = fromParams,
) => `(${scan("concert_id", "uuid")} IS NOT NULL OR EXISTS (
       SELECT 1 FROM gate_concerts w
        WHERE w.concert_id = ${ticket}.concert_id
          AND ${scan("scanned_at", "timestamptz")}
              BETWEEN w.starts_at - make_interval(mins => :doors_open_before_minutes::int)
                  AND w.starts_at + make_interval(mins => :admit_until_after_minutes::int)))`;

/**
 * Shared rules of a claim: the ticket was not revoked for a refund (attendance's own column, which
 * no snapshot touches: see docs/SAGAS.md), the scan_id was never used (a retry must not claim again: without an
 * enclosing transaction nothing would undo it), the code is at least as new as our copy (older
 * codes were replaced by a transfer; a newer one is genuine and only means the snapshot has not
 * arrived; typed numbers and bare ids prove a version too, see ScanParams), an unverified code is
 * the ticket's current code by its digest, the ticket is for the
 * expected concert, that concert is not cancelled (unknown concerts admit when named), and its
 * doors are open when the scan named no concert. Being in the statement, the version and the door
 * checks are atomic with the claim: a handover that commits first makes the claim match nothing.
 */
const claimRules = (scan: ScanValue) => `
     AND t.revoked_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM scans WHERE id = ${scan("scan_id", "uuid")})
     AND t.code_version <= ${scan("code_version", "int")}
     AND (${scan("code_digest", "text")} IS NULL OR t.code_digest = ${scan("code_digest", "text")})
     AND (${scan("concert_id", "uuid")} IS NULL OR t.concert_id = ${scan("concert_id", "uuid")})
     AND NOT EXISTS (SELECT 1 FROM gate_concerts c
                      WHERE c.concert_id = t.concert_id AND c.status = :cancelled::text)
     AND ${doorsOpen("t", scan)}`;

/**
 * The claimed row (after the update) or, when nothing was claimed, the row as this statement saw
 * it, with its concert's status and whether the scan_id was already used when the statement
 * began. No row at all means the ticket is unknown.
 */
const CLAIM_STATE = `
state AS (
  SELECT ticket_id, ticket_number, concert_id, status, code_version, code_digest,
         admitted_at, admitted_gate, admitted_scan_id, attended_at, revoked_at, true AS claimed
    FROM claimed
  UNION ALL
  SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version, g.code_digest,
         g.admitted_at, g.admitted_gate, g.admitted_scan_id, g.attended_at, g.revoked_at, false
    FROM gate_tickets g
   WHERE g.ticket_id = :ticket_id::uuid AND NOT EXISTS (SELECT 1 FROM claimed)
)`;
const CLAIM_RESULT = `
SELECT s.*, c.status AS concert_status,
       EXISTS (SELECT 1 FROM scans WHERE id = :scan_id::uuid) AS scan_taken,
       NOT ${doorsOpen("s")} AS doors_closed,
       c.starts_at - make_interval(mins => :doors_open_before_minutes::int) AS doors_open_at,
       c.starts_at + make_interval(mins => :admit_until_after_minutes::int) AS doors_close_at
  FROM state s LEFT JOIN gate_concerts c ON c.concert_id = s.concert_id`;

const SCAN_COLUMNS = `id, ticket_id, ticket_number, concert_id, scan_type, result, admit, detail,
                     gate, device_id, scanned_by, scanned_at, first_admitted_at,
                     first_admitted_gate, request_fingerprint, notes`;

/**
 * What an entry or an attendance claim does: its UPDATE of the ticket up to its own conditions
 * (`from` joins the batch when it claims for one) and the SELECT list of its scan row, read from
 * the claimed row (which may read `admitted_here`: this scan admitted the ticket).
 */
interface ClaimKind {
  update(scan: ScanValue, from: string): string;
  scanRow(scan: ScanValue): string;
}

/**
 * A claim for one scan: its UPDATE and INSERT of the scan row; TicketScanned goes with the scan
 * row.
 */
const claimStatement = (kind: ClaimKind) =>
  recordEventWith<ClaimParams, typeof TicketScanned>(TicketScanned, {
    with: `claimed AS (${kind.update(fromParams, "")}${claimRules(fromParams)}
  RETURNING t.*, t.admitted_scan_id IS NOT DISTINCT FROM :scan_id::uuid AS admitted_here
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  ${kind.scanRow(fromParams)}
    FROM claimed
  RETURNING id
),${CLAIM_STATE}`,
    when: "recorded",
    select: CLAIM_RESULT,
  });

/** The entry scan: admits a ticket nobody admitted yet. */
const ENTRY: ClaimKind = {
  update: (scan, from) => `
  UPDATE gate_tickets t
     SET admitted_at = ${scan("scanned_at", "timestamptz")}, admitted_gate = ${scan("gate", "text")},
         admitted_scan_id = ${scan("scan_id", "uuid")}, status = :admitted_status::text, updated_at = now()${from}
   WHERE t.ticket_id = ${scan("ticket_id", "uuid")}
     AND t.admitted_at IS NULL
     AND t.status = ANY(:admissible::text[])`,
  scanRow: (
    scan,
  ) => `SELECT ${scan("scan_id", "uuid")}, ticket_id, ticket_number, concert_id, 'entry_check', 'admitted', true,
         'Admitted', ${scan("gate", "text")}, ${scan("device_id", "text")}, ${scan("scanned_by", "uuid")}, ${scan("scanned_at", "timestamptz")},
         NULL, NULL, ${scan("fingerprint", "text")}, ${scan("notes", "text")}`,
};

/**
 * The attendance scan, the original scanner's default: records attended_at exactly once, for any
 * ticket that may be in (admissible, or in already). The same statement is the arbiter of
 * admission for a ticket not admitted yet: it then admits it too (admitted_* and
 * admitted_scan_id set by this scan, answer `admitted`), so a door that scans only `attendance`
 * lets each ticket in once. A ticket admitted earlier (entry scan) gets `attendance_recorded`.
 * In SET, `t.` reads the row before the update: the CASEs see whether it was admitted before.
 */
const ATTENDANCE: ClaimKind = {
  update: (scan, from) => `
  UPDATE gate_tickets t
     SET attended_at = ${scan("scanned_at", "timestamptz")},
         admitted_at = COALESCE(t.admitted_at, ${scan("scanned_at", "timestamptz")}),
         admitted_gate = CASE WHEN t.admitted_at IS NULL THEN ${scan("gate", "text")} ELSE t.admitted_gate END,
         admitted_scan_id = CASE WHEN t.admitted_at IS NULL THEN ${scan("scan_id", "uuid")}
                                 ELSE t.admitted_scan_id END,
         status = :attended_status::text, updated_at = now()${from}
   WHERE t.ticket_id = ${scan("ticket_id", "uuid")}
     AND t.attended_at IS NULL
     AND (t.status = ANY(:admissible::text[]) OR t.status = ANY(:entered::text[]))`,
  scanRow: (
    scan,
  ) => `SELECT ${scan("scan_id", "uuid")}, ticket_id, ticket_number, concert_id, 'attendance',
         CASE WHEN admitted_here THEN 'admitted' ELSE 'attendance_recorded' END, true,
         CASE WHEN admitted_here THEN 'Admitted' ELSE 'Attendance recorded' END,
         ${scan("gate", "text")}, ${scan("device_id", "text")}, ${scan("scanned_by", "uuid")}, ${scan("scanned_at", "timestamptz")},
         CASE WHEN admitted_here THEN NULL ELSE admitted_at END,
         CASE WHEN admitted_here THEN NULL ELSE admitted_gate END,
         ${scan("fingerprint", "text")}, ${scan("notes", "text")}`,
};

/**
 * The entry scan, one statement and so one implicit transaction: admit the ticket if and only if
 * nobody did yet (the conditional UPDATE is what makes admission exactly-once across requests and
 * replicas: a racing second UPDATE waits for the row lock, re-checks `admitted_at IS NULL` and
 * matches nothing), write the `admitted` scan row and the TicketScanned outbox row for the
 * relay. No ON CONFLICT on purpose: a concurrent scan with the same scan_id (which the rules'
 * snapshot could not see) fails the whole statement with a unique violation, undoing the claim;
 * the caller then answers with the stored scan.
 */
export const ENTRY_CLAIM = claimStatement(ENTRY);

/** The attendance scan (see ATTENDANCE): the same one statement. */
export const ATTENDANCE_CLAIM = claimStatement(ATTENDANCE);

/** The scan values a batch claim takes per scan, one array each, and their SQL types. */
const BATCH_COLUMNS = {
  ticket_id: "uuid",
  scan_id: "uuid",
  code_version: "int",
  code_digest: "text",
  concert_id: "uuid",
  gate: "text",
  device_id: "text",
  scanned_by: "uuid",
  fingerprint: "text",
  scanned_at: "timestamptz",
  notes: "text",
} as const satisfies Partial<Record<keyof ScanParams, string>>;
type BatchColumn = keyof typeof BATCH_COLUMNS;
const batchColumns = Object.keys(BATCH_COLUMNS) as BatchColumn[];
/** Columns the claimed row takes from the batch row; the others it has from the ticket. */
const CARRIED = batchColumns.filter(
  (c) => !["ticket_id", "code_version", "code_digest", "concert_id"].includes(c),
);

/** A batch claim's parameters: each scan value as a list (`gate_list`...), and the shared ones. */
export type BatchClaimParams = { [K in BatchColumn as `${K}_list`]: ScanParams[K][] } & Omit<
  ClaimParams,
  keyof ScanParams
> &
  Pick<ScanParams, "doors_open_before_minutes" | "admit_until_after_minutes">;

/**
 * Claims for many scans of one kind in one statement: what the single claim does for each, under
 * the same rules, in one round trip and one commit. Claims are answered (with the scan's
 * `ordinal` in the batch, from 1), and so are unverified codes whose digest is not their ticket's
 * (`digest_mismatch`: the caller checks the signature, then claims again); any other scan that
 * claimed nothing is asked again alone, whose statement says why. The tickets are locked first, in ticket order, so two batches that share
 * tickets wait for each other instead of deadlocking. Any error undoes the whole batch (a taken
 * scan_id, say); each scan is then asked alone.
 */
const batchClaimStatement = (kind: ClaimKind) =>
  recordEventsWith<BatchClaimParams, typeof TicketScanned>(TicketScanned, {
    with: `batch AS (
  SELECT * FROM unnest(${batchColumns.map((c) => `:${c}_list::${BATCH_COLUMNS[c]}[]`).join(", ")})
           WITH ORDINALITY AS b(${batchColumns.join(", ")}, ordinal)
),
locked AS (
  SELECT ticket_id FROM gate_tickets
   WHERE ticket_id IN (SELECT ticket_id FROM batch)
   ORDER BY ticket_id
     FOR UPDATE
),
claimed AS (${kind.update(fromBatch, "\n    FROM batch b")}${claimRules(fromBatch)}
     AND t.ticket_id IN (SELECT ticket_id FROM locked)
  RETURNING t.*, t.admitted_scan_id IS NOT DISTINCT FROM b.scan_id AS admitted_here,
            b.ordinal, ${CARRIED.map((c) => `b.${c}`).join(", ")}
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  ${kind.scanRow(fromClaimed)}
    FROM claimed
  RETURNING id
)`,
    when: "claimed",
    select: `SELECT ordinal, ticket_id, ticket_number, concert_id, admitted_at, admitted_gate,
       admitted_scan_id, code_digest, false AS digest_mismatch
  FROM claimed
UNION ALL
SELECT b.ordinal, b.ticket_id, NULL, NULL, NULL, NULL, NULL, NULL, true
  FROM batch b JOIN gate_tickets g ON g.ticket_id = b.ticket_id
 WHERE b.code_digest IS NOT NULL AND g.code_digest IS DISTINCT FROM b.code_digest
   AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.ordinal = b.ordinal)`,
  });

/**
 * The batch statement's parameters for these scans: each BATCH_COLUMNS value as a list, in the
 * scans' order (their ordinals), and the shared ones once (one gate's settings and rules).
 */
export function batchClaimParams(scans: readonly ClaimParams[]): BatchClaimParams {
  const first = scans[0];
  if (!first) throw new Error("a batch claim needs at least one scan");
  const lists = Object.fromEntries(
    batchColumns.map((column) => [`${column}_list`, scans.map((scan) => scan[column])]),
  );
  // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
  return {
    doors_open_before_minutes: first.doors_open_before_minutes,
    admit_until_after_minutes: first.admit_until_after_minutes,
    ...lists,
    ...GATE_RULES,
  } as BatchClaimParams;
}

export const ENTRY_CLAIM_BATCH = batchClaimStatement(ENTRY);
export const ATTENDANCE_CLAIM_BATCH = batchClaimStatement(ATTENDANCE);

/**
 * A ticket named by id or by typed number, as the claim statements take it; see TICKET_STATE. Its
 * code version is the one a typed number proves: the claim then requires it, so a handover that
 * retires the number between this read and the claim stops the number too.
 */
export const TICKET_KEY = namedStatement<{
  ticket_id: string | null;
  ticket_number: string | null;
}>(`
SELECT ticket_id, concert_id, code_version FROM gate_tickets
 WHERE ticket_id = COALESCE(:ticket_id::uuid,
                            (SELECT ticket_id FROM gate_tickets WHERE ticket_number = :ticket_number::text))`);

/**
 * The ticket and its concert, changing nothing (sale confirmation), by id (from a verified QR
 * code or the original's body) or, when the id is null, by its printed number. COALESCE keeps it an index lookup on the
 * primary key; the subquery runs only for numbers.
 */
export const TICKET_STATE = namedStatement<{
  ticket_id: string | null;
  ticket_number: string | null;
}>(`
WITH key AS (
  SELECT COALESCE(:ticket_id::uuid,
                  (SELECT ticket_id FROM gate_tickets WHERE ticket_number = :ticket_number::text))
           AS ticket_id
)
SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version,
       g.admitted_at, g.admitted_gate, g.attended_at, g.revoked_at, false AS claimed,
       c.status AS concert_status
  FROM gate_tickets g JOIN key ON g.ticket_id = key.ticket_id
  LEFT JOIN gate_concerts c ON c.concert_id = g.concert_id`);

/** A scan row as INSERT_SCAN writes it. */
export interface ScanRowParams {
  id: string;
  ticket_id: string | null;
  ticket_number: string | null;
  concert_id: string | null;
  scan_type: string;
  result: string;
  admit: boolean;
  detail: string;
  gate: string | null;
  device_id: string | null;
  scanned_by: string;
  scanned_at: Date;
  first_admitted_at: Date | null;
  first_admitted_gate: string | null;
  request_fingerprint: string;
  notes: string | null;
}

/**
 * Records a scan that changed nothing (every denial, sale confirmations). No row back means the
 * scan_id was taken: the caller answers with the stored scan instead.
 */
export const INSERT_SCAN = namedStatement<ScanRowParams>(`
INSERT INTO scans (${SCAN_COLUMNS})
VALUES (:id::uuid, :ticket_id::uuid, :ticket_number::text, :concert_id::uuid, :scan_type::text,
        :result::text, :admit::boolean, :detail::text, :gate::text, :device_id::text,
        :scanned_by::uuid, :scanned_at::timestamptz, :first_admitted_at::timestamptz,
        :first_admitted_gate::text, :request_fingerprint::text, :notes::text)
ON CONFLICT (id) DO NOTHING
RETURNING scanned_at`);

/** One row of the claim and state statements. */
export interface TicketStateRow {
  ticket_id: string;
  /** Null once a transfer retired the printed number, until the new one arrives. */
  ticket_number: string | null;
  concert_id: string;
  status: TicketStatus;
  code_version: number;
  admitted_at: Date | null;
  admitted_gate: string | null;
  attended_at: Date | null;
  /** Set when the gate revoked the ticket for a refund: it answers `refunded` from then on. */
  revoked_at: Date | null;
  claimed: boolean;
  concert_status: ConcertStatus | null;
}

/** One row of a claim statement. */
export interface ClaimRow extends TicketStateRow {
  /** The scan_id was already used when the statement began: a retry or the caller's bug. */
  scan_taken: boolean;
  /** The scan named no concert and this ticket's concert is outside its door window (or unknown). */
  doors_closed: boolean;
  /** The concert's door window; null when the gate has not heard of the concert. */
  doors_open_at: Date | null;
  doors_close_at: Date | null;
  /** The scan that admitted the ticket: this one when the claim admitted it. */
  admitted_scan_id: string | null;
  /** Ticketing's digest of the ticket's current code (null: none known, or retired by a handover). */
  code_digest: string | null;
}

/**
 * A row of a batch claim: a scan of the batch (`ordinal`, from 1) that claimed its ticket, or
 * whose unverified code's digest is not its ticket's (`digest_mismatch`, the ticket fields null).
 */
export interface BatchClaimRow {
  ordinal: string;
  ticket_id: string;
  ticket_number: string | null;
  concert_id: string;
  admitted_at: Date | null;
  admitted_gate: string | null;
  admitted_scan_id: string | null;
  /** The ticket's code digest (CodeCheckOrder counts the codes that matched it). */
  code_digest: string | null;
  digest_mismatch: boolean;
}

/** A ticket found by its printed number or id. */
export interface TicketKeyRow {
  ticket_id: string;
  concert_id: string;
  code_version: number;
}
