// Every statement of the gate's hot path, as plain SQL with positional parameters. The benchmark
// runs these same strings through pgbench to compare the service with the bare database: change
// the SQL here only, never inline it elsewhere, and keep parameters positional.
//
// Tables resolve in the service's schema (the connection's search_path is "attendance").

/**
 * Finds the ticket by id (from a verified QR code) or, when $1 is null, by its printed number.
 * COALESCE keeps it an index lookup on the primary key; the subquery runs only for numbers.
 */
const TICKET_KEY = `key AS (
  SELECT COALESCE($1::uuid,
                  (SELECT ticket_id FROM gate_tickets WHERE ticket_number = $2::text)) AS ticket_id
)`;

/**
 * Shared rules of a claim: the code is at least as new as our copy (older codes were replaced by
 * a transfer; a newer one is genuine and only means the snapshot has not arrived), the ticket is
 * for the expected concert, and that concert is not cancelled (unknown concerts admit).
 */
const CLAIM_RULES = `
     AND ($3::int IS NULL OR t.code_version <= $3::int)
     AND ($4::uuid IS NULL OR t.concert_id = $4::uuid)
     AND NOT EXISTS (SELECT 1 FROM gate_concerts c
                      WHERE c.concert_id = t.concert_id AND c.status = 'cancelled')`;

/**
 * The claimed row (after the update) or, when nothing was claimed, the row as this statement saw
 * it, with its concert's status and when the scan row was written (null: not written). No row at
 * all means the ticket is unknown.
 */
const CLAIM_RESULT = `
state AS (
  SELECT ticket_id, ticket_number, concert_id, status, code_version,
         admitted_at, admitted_gate, attended_at, true AS claimed
    FROM claimed
  UNION ALL
  SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version,
         g.admitted_at, g.admitted_gate, g.attended_at, false
    FROM gate_tickets g JOIN key ON g.ticket_id = key.ticket_id
   WHERE NOT EXISTS (SELECT 1 FROM claimed)
)
SELECT s.*, c.status AS concert_status, (SELECT scanned_at FROM recorded) AS recorded_at
  FROM state s LEFT JOIN gate_concerts c ON c.concert_id = s.concert_id`;

const SCAN_COLUMNS = `id, ticket_id, ticket_number, concert_id, scan_type, result, admit, detail,
                     gate, device_id, scanned_by, scanned_at, first_admitted_at,
                     first_admitted_gate, request_fingerprint`;

/**
 * The entry scan, one statement: admit the ticket if and only if nobody did yet (the conditional
 * UPDATE is what makes admission exactly-once across requests and replicas: a racing second
 * UPDATE waits for the row lock, re-checks `admitted_at IS NULL` and matches nothing), and write
 * the `admitted` scan row with it. ON CONFLICT: a scan_id already used means this is a retry; the
 * caller then rolls back (undoing the admission) and answers with the stored scan.
 *
 * $1 ticket_id | $2 ticket_number | $3 code_version | $4 expected concert_id | $5 gate
 * $6 scan id | $7 device_id | $8 scanned_by | $9 request fingerprint
 */
export const ENTRY_CLAIM_SQL = `
WITH ${TICKET_KEY},
claimed AS (
  UPDATE gate_tickets t
     SET admitted_at = now(), admitted_gate = $5::text, status = 'scanned_entry', updated_at = now()
    FROM key
   WHERE t.ticket_id = key.ticket_id
     AND t.admitted_at IS NULL
     AND t.status IN ('sold', 'transferred')${CLAIM_RULES}
  RETURNING t.*
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  SELECT $6::uuid, ticket_id, ticket_number, concert_id, 'entry_check', 'admitted', true, 'Admitted',
         $5::text, $7::text, $8::uuid, admitted_at, NULL, NULL, $9::text
    FROM claimed
  ON CONFLICT (id) DO NOTHING
  RETURNING scanned_at
),${CLAIM_RESULT}`;

/**
 * The attendance scan inside the venue: same shape, records attended_at once, and only for a
 * ticket that got in (admitted here, or scanned_entry in ticketing's snapshot). Same parameters.
 */
export const ATTENDANCE_CLAIM_SQL = `
WITH ${TICKET_KEY},
claimed AS (
  UPDATE gate_tickets t
     SET attended_at = now(), status = 'attended', updated_at = now()
    FROM key
   WHERE t.ticket_id = key.ticket_id
     AND t.attended_at IS NULL
     AND ((t.status IN ('sold', 'transferred') AND t.admitted_at IS NOT NULL)
          OR t.status = 'scanned_entry')${CLAIM_RULES}
  RETURNING t.*
),
recorded AS (
  INSERT INTO scans (${SCAN_COLUMNS})
  SELECT $6::uuid, ticket_id, ticket_number, concert_id, 'attendance', 'attendance_recorded', true,
         'Attendance recorded', $5::text, $7::text, $8::uuid, attended_at, admitted_at,
         admitted_gate, $9::text
    FROM claimed
  ON CONFLICT (id) DO NOTHING
  RETURNING scanned_at
),${CLAIM_RESULT}`;

/** The ticket and its concert, changing nothing (sale confirmation). $1 ticket_id | $2 ticket_number */
export const TICKET_STATE_SQL = `
WITH ${TICKET_KEY}
SELECT g.ticket_id, g.ticket_number, g.concert_id, g.status, g.code_version,
       g.admitted_at, g.admitted_gate, g.attended_at, false AS claimed,
       c.status AS concert_status, NULL::timestamptz AS recorded_at
  FROM gate_tickets g JOIN key ON g.ticket_id = key.ticket_id
  LEFT JOIN gate_concerts c ON c.concert_id = g.concert_id`;

/**
 * Records a scan that changed nothing (every denial, sale confirmations). No row back means the
 * scan_id was taken: the caller answers with the stored scan instead.
 */
export const INSERT_SCAN_SQL = `
INSERT INTO scans (${SCAN_COLUMNS})
VALUES ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::boolean, $8::text,
        $9::text, $10::text, $11::uuid, now(), $12::timestamptz, $13::text, $14::text)
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
  recorded_at: Date | null;
}
