// The raw-database baseline of the gate scan: pgbench runs exactly the statement one admitted
// entry scan sends (record-scan.ts): ENTRY_CLAIM (services/attendance/src/domain/scan-sql.ts),
// one statement that claims the ticket, writes the scan row and the outbox row (the kit's
// recordEventWith), in its implicit transaction: no BEGIN, no COMMIT.
// It runs against a fresh database migrated with attendance's own migrations, every transaction
// admitting a different sold ticket. The claim SQL and its rule parameters are attendance's own,
// imported from its public entry, never copied.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENTRY_CLAIM, GATE_RULES } from "@concert/attendance";
import { TicketScanned } from "@concert/contracts";
import { applyMigrations } from "@concert/service-kit";
import { withClient, withDatabase } from "@concert/testing";
import { runPgbenchScript } from "./lib/pgbench.mjs";

/** Tickets of client c are numbered c * CLIENT_STRIDE + 1, + 2, ...: pgbench has no strings. */
const CLIENT_STRIDE = 1_000_000;

/**
 * A uuid pgbench can compute from a ticket number (it has no strings): the bench's tickets get
 * ids `00000000-0000-4000-8000-<number in hex>`, so the claim still finds them by primary key, as
 * the service does with the id from a verified QR code. Scan ids use `9000` in the same way.
 */
const uuidOf = (group, number) =>
  `('00000000-0000-4000-${group}-' || lpad(to_hex(${number}), 12, '0'))`;

/**
 * A stand-in for ticket `number`'s code digest, 43 characters as a SHA-256 in base64url is: the
 * service's scans present the code's digest and the claim compares it with the copy's, so the
 * bench's claims compare a text of the same length (pgbench has no strings to hash).
 */
export const benchCodeDigest = (number) => String(number).padStart(43, "0");
const benchCodeDigestSql = (number) => `lpad((${number})::text, 43, '0')`;

/**
 * The claim statement with pgbench variables in place of its parameters; every parameter in the
 * SQL carries a cast, so `-M prepared` infers the same types the service's named statement gets.
 * GATE_RULES' values go in as pgbench variables of the same name (see runPgbenchScript).
 */
function claimStatement() {
  const byName = {
    ticket_id: uuidOf("8000", ":ticket_number::bigint"), // see uuidOf
    code_version: ":code_version",
    code_digest: benchCodeDigestSql(":ticket_number"), // the QR code's digest: see benchCodeDigest
    concert_id: "NULL", // expected concert: the scanner sends none, as in the stack run
    gate: ":gate",
    scan_id: uuidOf("9000", ":ticket_number::bigint"), // the service makes one per request
    device_id: "NULL", // none sent
    notes: "NULL", // none sent
    scanned_by: ":scanned_by",
    fingerprint: ":fingerprint",
    scanned_at: ":scanned_at", // the service passes its own clock's time
    doors_open_before_minutes: ":doors_open_before_minutes", // the service's config
    admit_until_after_minutes: ":admit_until_after_minutes",
    outbox_subject: ":subject",
    outbox_id: "gen_random_uuid()", // the event id: the service passes the envelope's
    outbox_envelope: ":envelope",
    ...Object.fromEntries(Object.keys(GATE_RULES).map((name) => [name, `:${name}`])),
  };
  const { sql, names } = ENTRY_CLAIM.statement;
  const text = sql.replace(/\$(\d+)/g, (_, n) => {
    const value = byName[names[n - 1]];
    if (!value)
      throw new Error(`ENTRY_CLAIM has a parameter :${names[n - 1]} this bench does not know`);
    return value;
  });
  return `${text.trim()};`;
}

export function pgbenchScript() {
  return [
    "\\set k :k + 1",
    `\\set ticket_number :client_id * ${CLIENT_STRIDE} + :k`,
    claimStatement(),
    "",
  ].join("\n");
}

/**
 * Where the claim statement calls pg_notify(...), as [start, end) offsets of the call (with its
 * nested parentheses), or undefined once attendance wakes its relay another way.
 */
function notifyCall(text) {
  const start = text.indexOf("pg_notify(");
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + "pg_notify".length; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return [start, i + 1];
  }
  throw new Error("the claim statement's pg_notify( call is not closed");
}

/** Whether the service's admission SQL (ENTRY_CLAIM) still notifies on every commit. */
export function hasNotify() {
  return notifyCall(ENTRY_CLAIM.statement.sql) !== undefined;
}

/**
 * The same script with the outbox insert also calling pg_notify, as the kit did until it woke its
 * relay in-process: what a NOTIFY per commit costs, side by side.
 */
function withNotify(script) {
  const returning = /(INSERT INTO outbox_events[^;]*?RETURNING) 1/;
  if (!returning.test(script)) throw new Error("the outbox insert no longer ends in RETURNING 1");
  return script.replace(returning, "$1 pg_notify('outbox_' || current_schema(), '')");
}

/**
 * A database of its own, migrated like attendance's, with `clients * perClient` sold tickets whose
 * numbers pgbench can compute. Returns what the run needs.
 */
export async function preparePgbenchDatabase({ adminUrl, database, clients, perClient }) {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const url = withDatabase(adminUrl, database);
  await applyMigrations({
    databaseUrl: url,
    schema: "attendance",
    prismaDir: new URL("../services/attendance/prisma", import.meta.url).pathname,
  });
  const concertId = randomUUID();
  await withClient(url, async (c) => {
    await c.query(
      `INSERT INTO attendance.gate_concerts (concert_id, name, starts_at, status, version)
       VALUES ($1, 'pgbench concert', now() + interval '1 hour', 'scheduled', 1)`,
      [concertId],
    );
    // Rows shaped like the read model after TicketCreated + TicketSold.
    await c.query(
      `INSERT INTO attendance.gate_tickets
              (ticket_id, concert_id, ticket_number, status, code_version, code_digest, revision,
               updated_at)
       SELECT ${uuidOf("8000", `cl * ${CLIENT_STRIDE} + k`)}::uuid, $1::uuid,
              (cl * ${CLIENT_STRIDE} + k)::text, 'sold', 1,
              ${benchCodeDigestSql(`cl * ${CLIENT_STRIDE} + k`)}, 2, now()
         FROM generate_series(0, $2::int - 1) cl, generate_series(1, $3::int) k`,
      [concertId, clients, perClient],
    );
    await c.query("VACUUM ANALYZE attendance.gate_tickets");
  });
  return { url, concertId, tickets: clients * perClient };
}

/** The claim's values that are the same for every scan of a run (the floor bench's server too). */
export const SCAN_CONSTANTS = {
  code_version: 1,
  doors_open_before_minutes: 360, // attendance's defaults
  admit_until_after_minutes: 720,
  gate: "A",
  fingerprint: "Hv1uYb5pYQ2m9e4rj2XJvG3W8tVqk0n7cL6sD1aZ5oE",
};

/** Runs pgbench like autocannon runs: same clients, same duration. */
export async function runPgbench({
  url,
  concertId,
  clients,
  seconds,
  logDir,
  addNotify = false,
  mode = "prepared",
  firstTicket = 0,
}) {
  mkdirSync(logDir, { recursive: true });
  const script = join(logDir, "pgbench-scan.sql");
  const text = pgbenchScript();
  writeFileSync(script, addNotify ? withNotify(text) : text);
  const scannedBy = randomUUID();
  const scannedAt = new Date().toISOString();
  // An envelope of the same shape and size as the one recordEvent writes for TicketScanned.
  const envelope = JSON.stringify({
    id: randomUUID(),
    name: TicketScanned.name,
    version: TicketScanned.version,
    occurred_at: scannedAt,
    payload: {
      scan_id: randomUUID(),
      ticket_id: randomUUID(),
      concert_id: concertId,
      scan_type: "entry_check",
      gate: "A",
      scanned_at: scannedAt,
    },
  });
  const variables = {
    k: firstTicket, // client c admits tickets c * CLIENT_STRIDE + firstTicket + 1, + 2, ...
    ...SCAN_CONSTANTS,
    scanned_by: scannedBy,
    scanned_at: scannedAt,
    subject: TicketScanned.subject,
    envelope,
    ...GATE_RULES,
  };
  const count = () =>
    withClient(url, async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM attendance.scans WHERE admit AND gate = 'A'",
      );
      return rows[0].n;
    });
  const admittedBefore = await count();
  const result = await runPgbenchScript({
    url,
    searchPath: "attendance",
    script,
    variables,
    clients,
    seconds,
    logDir,
    mode,
  });
  return { ...result, admitted: (await count()) - admittedBefore };
}
