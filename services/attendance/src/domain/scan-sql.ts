// Every statement of the gate's hot path, as plain SQL with positional parameters. The benchmark
// runs these same strings through pgbench to compare the service with the bare database: change
// the SQL here only, never inline it elsewhere, and keep parameters positional.
//
// Tables resolve in the service's schema (the connection's search_path is "attendance").

import { OUTBOX_NOTIFY_CTE } from "@concert/service-kit";

/**
 * Finds the ticket by id (from a verified QR code) or, when $1 is null, by its printed number.
 * COALESCE keeps it an index lookup on the primary key; the subquery runs only for numbers.
 */
const TICKET_KEY = `key AS (
  SELECT COALESCE($1::uuid,
                  (SELECT ticket_id FROM gate_tickets WHERE ticket_number = $2::text)) AS ticket_id
)`;

/**
 * Shared rules of a claim: the scan_id was never used (a retry must not claim again: without an
 * enclosing transaction nothing would undo it), the code is at least as new as our copy (older
 * codes were replaced by a transfer; a newer one is genuine and only means the snapshot has not
 * arrived), the ticket is for the expected concert, and that concert is not cancelled (unknown
 * concerts admit).
 */
const CLAIM_RULES = `
     AND NOT EXISTS (SELECT 1 FROM scans WHERE id = $5::uuid)
     AND ($2::int IS NULL OR t.code_version <= $2::int)
     AND ($3::uuid IS NULL OR t.concert_id = $3::uuid)
     AND NOT EXISTS (SELECT 1 FROM gate_concerts c
                      WHERE c.concert_id = t.concert_id AND c.status = 'cancelled')`;

/**
 * The outbox row of the claim's TicketScanned event, built only FROM recorded: no scan row, no
 * event and no notify. Then the kit's CTEs write it and wake the relay.
 */
const CLAIM_EVENT = `
outbox_rows AS (
  SELECT $11::uuid AS id, $10::text AS subject, $12::jsonb AS envelope FROM recorded
),
${OUTBOX_NOTIFY_CTE}`;

/**
 * The claimed row (after the update) or, when nothing was claimed, the row as this statement saw
 * it, with its concert's status and whether the scan_id was already used when the statement
 * began. No row at all means the ticket is unknown. Reading outbox_notified is what sends the
 * notify (a SELECT in WITH runs only when referenced).
 */
const CLAIM_RESULT = `
state AS (
  SELECT ticket_id, ticket_number, concert_id, status, code_version,
         admitted_at, admitted_gate, attended_at, true AS claimed
    FROM claimed
  UNION ALL
  SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version,
         g.admitted_at, g.admitted_gate, g.attended_at, false
    FROM gate_tickets g
   WHERE g.ticket_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM claimed)
)
SELECT s.*, c.status AS concert_status,
       EXISTS (SELECT 1 FROM scans WHERE id = $5::uuid) AS scan_taken,
       (SELECT count(*) FROM outbox_notified)::int AS notified
  FROM state s LEFT JOIN gate_concerts c ON c.concert_id = s.concert_id`;

const SCAN_COLUMNS = `id, ticket_id, ticket_number, concert_id, scan_type, result, admit, detail,
                     gate, device_id, scanned_by, scanned_at, first_admitted_at,
                     first_admitted_gate, request_fingerprint`;

/**
 * The entry scan, one statement and so one implicit transaction: admit the ticket if and only if
 * nobody did yet (the conditional UPDATE is what makes admission exactly-once across requests and
 * replicas: a racing second UPDATE waits for the row lock, re-checks `admitted_at IS NULL` and
 * matches nothing), write the `admitted` scan row, the TicketScanned outbox row and notify the
 * relay. No ON CONFLICT on purpose: a concurrent scan with the same scan_id (which CLAIM_RULES'
 * snapshot could not see) fails the whole statement with a unique violation, undoing the claim;
 * the caller then answers with the stored scan.
 *
 * $1 ticket_id | $2 code_version | $3 expected concert_id | $4 gate | $5 scan id | $6 device_id
 * $7 scanned_by | $8 request fingerprint | $9 scanned_at | $10 event subject | $11 event id
 * $12 event envelope (json)
 */
export const ENTRY_CLAIM_SQL = `
WITH claimed AS (
  UPDATE gate_tickets t
     SET admitted_at = $9::timestamptz, admitted_gate = $4::text, status = 'scanned_entry',
         updated_at = now()
   WHERE t.ticket_id = $1::uuid
     AND t.admitted_at IS NULL
     AND t.status IN ('sold', 'transferred')${CLAIM_RULES}
  RETURNING t.*
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  SELECT $5::uuid, ticket_id, ticket_number, concert_id, 'entry_check', 'admitted', true, 'Admitted',
         $4::text, $6::text, $7::uuid, $9::timestamptz, NULL, NULL, $8::text
    FROM claimed
  RETURNING id
),${CLAIM_EVENT},${CLAIM_RESULT}`;

/**
 * The attendance scan inside the venue: same shape, records attended_at once, and only for a
 * ticket that got in (admitted here, or scanned_entry in ticketing's snapshot). Same parameters.
 */
export const ATTENDANCE_CLAIM_SQL = `
WITH claimed AS (
  UPDATE gate_tickets t
     SET attended_at = $9::timestamptz, status = 'attended', updated_at = now()
   WHERE t.ticket_id = $1::uuid
     AND t.attended_at IS NULL
     AND ((t.status IN ('sold', 'transferred') AND t.admitted_at IS NOT NULL)
          OR t.status = 'scanned_entry')${CLAIM_RULES}
  RETURNING t.*
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  SELECT $5::uuid, ticket_id, ticket_number, concert_id, 'attendance', 'attendance_recorded', true,
         'Attendance recorded', $4::text, $6::text, $7::uuid, $9::timestamptz, admitted_at,
         admitted_gate, $8::text
    FROM claimed
  RETURNING id
),${CLAIM_EVENT},${CLAIM_RESULT}`;

/** A typed ticket number to the key the claim statements take. $1 ticket_number */
export const TICKET_BY_NUMBER_SQL = `SELECT ticket_id, concert_id FROM gate_tickets WHERE ticket_number = $1::text`;

/** The ticket and its concert, changing nothing (sale confirmation). $1 ticket_id | $2 ticket_number */
export const TICKET_STATE_SQL = `
WITH ${TICKET_KEY}
SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version,
       g.admitted_at, g.admitted_gate, g.attended_at, false AS claimed,
       c.status AS concert_status
  FROM gate_tickets g JOIN key ON g.ticket_id = key.ticket_id
  LEFT JOIN gate_concerts c ON c.concert_id = g.concert_id`;

/**
 * Records a scan that changed nothing (every denial, sale confirmations). No row back means the
 * scan_id was taken: the caller answers with the stored scan instead. $15 is scanned_at.
 */
export const INSERT_SCAN_SQL = `
INSERT INTO scans (${SCAN_COLUMNS})
VALUES ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::boolean, $8::text,
        $9::text, $10::text, $11::uuid, $15::timestamptz, $12::timestamptz, $13::text, $14::text)
ON CONFLICT (id) DO NOTHING
RETURNING scanned_at`;

/** One row of the claim and state statements. */
export interface TicketStateRow {
  ticket_id: string;
  ticket_number: string;
  concert_id: string;
  status: string;
  code_version: number;
  admitted_at: Date | null;
  admitted_gate: string | null;
  attended_at: Date | null;
  claimed: boolean;
  concert_status: string | null;
}

/** One row of a claim statement. */
export interface ClaimRow extends TicketStateRow {
  /** The scan_id was already used when the statement began: a retry or the caller's bug. */
  scan_taken: boolean;
}

/** A ticket found by its printed number. */
export interface TicketKeyRow {
  ticket_id: string;
  concert_id: string;
}
