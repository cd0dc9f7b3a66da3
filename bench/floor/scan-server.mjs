// The floor of a scan in Node on this machine: node:http and node-postgres running attendance's
// own admission statement (ENTRY_CLAIM, prepared by name as the kit's SqlPool does), with nothing
// of ours around it: no Fastify, no token, no signature check, no relay. Each request's body
// names a ticket of a pgbench-style database (bench/pgbench-scan.mjs) by number: `{"n": 1000001}`.
//   DATABASE_URL (search_path attendance), PORT, POOL_SIZE (default 16)
import { randomUUID } from "node:crypto";
import { ENTRY_CLAIM, GATE_RULES } from "@concert/attendance";
import { TicketScanned } from "@concert/contracts";
import { benchCodeDigest, SCAN_CONSTANTS } from "../pgbench-scan.mjs";
import { pool, serveJson } from "./json-server.mjs";

const { sql, names } = ENTRY_CLAIM.statement;
const scannedBy = randomUUID();
/** The pgbench database's ticket ids: `00000000-0000-4000-8000-<number in hex>`. */
const ticketId = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

async function admit(n) {
  const scannedAt = new Date();
  const scanId = randomUUID();
  const eventId = randomUUID();
  const envelope = {
    id: eventId,
    name: TicketScanned.name,
    version: TicketScanned.version,
    occurred_at: scannedAt.toISOString(),
    payload: {
      scan_id: scanId,
      ticket_id: ticketId(n),
      concert_id: null,
      scan_type: "entry_check",
      gate: "A",
      scanned_at: scannedAt.toISOString(),
    },
  };
  const byName = {
    ...GATE_RULES,
    ...SCAN_CONSTANTS,
    ticket_id: ticketId(n),
    code_digest: benchCodeDigest(n),
    concert_id: null,
    scan_id: scanId,
    device_id: null,
    scanned_by: scannedBy,
    scanned_at: scannedAt,
    notes: null,
    outbox_subject: TicketScanned.subject,
    outbox_id: eventId,
    outbox_envelope: JSON.stringify(envelope),
  };
  const { rows } = await pool.query({
    name: "entry_claim",
    text: sql,
    values: names.map((name) => byName[name]),
  });
  return { admitted: rows[0]?.claimed === true, scan_id: scanId, ticket_id: ticketId(n) };
}

serveJson(async ({ n }) => {
  const scan = await admit(n);
  return [200, { ...scan, result: scan.admitted ? "admitted" : "denied", admit: scan.admitted }];
});
