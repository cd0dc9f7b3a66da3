import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import type { ScanRequest, ScanResponse } from "@concert/contracts";
import { ConflictError, HttpError, isUniqueViolation, type SqlClient } from "@concert/service-kit";
import {
  FIRST_CODE_VERSION,
  normalizeTicketNumber,
  readTicketCode,
  type TicketCodeCheck,
  type TicketCodeClaims,
  type UncheckedTicketCode,
} from "@concert/ticket-codes";
import type { PrismaClient, Scan } from "../generated/prisma/client.js";
import type { ClaimAnswer, ClaimBatcher, ClaimedTicket, ScanClaim } from "./claim-batcher.js";
import type { CodeCheckOrder } from "./code-check-order.js";
import {
  classify,
  type Decision,
  decideFromCode,
  refusedCode,
  type ScanQuestion,
} from "./decide-scan.js";
import { scanFingerprint } from "./scan-fingerprint.js";
import {
  GATE_RULES,
  INSERT_SCAN,
  TICKET_KEY,
  TICKET_STATE,
  type TicketKeyRow,
  type TicketStateRow,
} from "./scan-sql.js";
import { toScanResponse } from "./scan-view.js";

/**
 * A claim statement can see a ticket a concurrent scan is changing in its pre-change state; the
 * next statement sees the committed change. One more look always settles it; three is a margin.
 */
const MAX_LOOKS = 3;

/** The scan fields known before any lookup. */
type ScanDraft = Omit<
  Scan,
  "result" | "admit" | "detail" | "firstAdmittedAt" | "firstAdmittedGate"
>;

/**
 * Where a scan is recorded: its statements run on the kit's raw pool (`sql`, no Prisma on the hot
 * path), its claim through the process's one ClaimBatcher, its code checked the way the process's
 * claims showed best (CodeCheckOrder); a replayed scan_id reads its stored scan through Prisma.
 */
export interface GateDatabase {
  sql: SqlClient;
  prisma: PrismaClient;
  claims: ClaimBatcher;
  codeChecks: CodeCheckOrder;
}

/** The gate's settings a scan is decided with (attendance's config). */
export interface GateSettings {
  ticketCodeKey: KeyObject;
  /** The door window around a concert's start, for scans that name no concert. */
  doorsOpenBeforeMinutes: number;
  admitUntilAfterMinutes: number;
}

/**
 * Decides a scan and records it, in as few round trips as the rules allow: one claim statement
 * admits, writes the scan row and the outbox event (one round trip, atomic as any single
 * statement; the kit wakes the relay once it returns); a denial adds the insert of its scan row.
 * A QR code is taken to that claim unverified when it may be the ticket's current code: the claim
 * admits it only if its digest is the one ticketing published for that code, and the signature
 * is checked only when it is not (forged, replaced, or the snapshot not here yet), which costs
 * the gate far more CPU than the claim (docs/DECISIONS.md, "A code the gate knows by its digest").
 * Other codes are verified first, without the database. A typed ticket number or a ticket id
 * (the original's body) costs one read first. The scanner recorded is always the token's user
 * (`scannedBy`): a `scanner_id` in the body is never trusted.
 */
export async function recordScan(
  db: GateDatabase,
  settings: GateSettings,
  request: ScanRequest,
  scannedBy: string,
): Promise<ScanResponse> {
  // Typed by a person at the gate: "k7m2 9qxa" is ticket K7M2-9QXA.
  const ticketNumber = request.ticket_number ? normalizeTicketNumber(request.ticket_number) : null;
  const draft: ScanDraft = {
    id: request.scan_id ?? randomUUID(),
    // Named by the original's body; it proves only the first code version (see the question).
    ticketId: request.ticket_id ?? null,
    ticketNumber,
    concertId: null,
    scanType: request.scan_type,
    gate: request.gate || request.location || null,
    deviceId: request.device_id || null,
    scannedBy,
    requestFingerprint: scanFingerprint(request),
    // What the device sent, an empty string included, as the original stored it.
    notes: request.notes ?? null,
    // From this clock, not the database's: the event's envelope is built before the statement.
    scannedAt: new Date(),
  };
  const question: ScanQuestion = {
    scanType: request.scan_type,
    presented: request.qr_data ? "code" : request.ticket_id ? "id" : "number",
    ticketNumber,
    // A ticket id is no secret (URLs, transfers, refunds, the QR's own JSON): it stands for the
    // ticket's first code only, so after a transfer it admits nothing (docs/DECISIONS.md).
    codeVersion: request.ticket_id ? FIRST_CODE_VERSION : null,
    expectedConcertId: request.concert_id ?? null,
  };

  // What the request named before a code's claims replace it: a refused code is recorded so.
  const presented = pick(draft);
  /** A code whose signature is not checked yet: the claim matches its digest first. */
  let unchecked: UncheckedTicketCode | undefined;
  /** A code the claim can tell matched its ticket's digest or not (CodeCheckOrder counts it). */
  let digestOf: UncheckedTicketCode | undefined;
  if (request.qr_data) {
    const code = readTicketCode(request.qr_data);
    if (code && mayMatchDigest(code, question)) digestOf = code;
    if (digestOf && db.codeChecks.byDigest()) {
      unchecked = digestOf;
      takeClaims(draft, question, digestOf.claims);
    } else {
      const check = await checkCode(settings, code);
      if (check.valid) takeClaims(draft, question, check.claims);
      const early = decideFromCode(check, question.expectedConcertId);
      if (early) return deny(db, draft, early);
    }
  }

  if (question.scanType === "sale_confirmation") {
    const rows = await TICKET_STATE.query<TicketStateRow>(db.sql, {
      ticket_id: draft.ticketId,
      ticket_number: ticketNumber,
    });
    return denyOrConfirm(db, draft, question, rows[0]);
  }

  if (!draft.concertId) {
    // One code path for QR codes, typed numbers and ticket ids: each is first turned into the key.
    const found = (
      await TICKET_KEY.query<TicketKeyRow>(db.sql, {
        ticket_id: draft.ticketId,
        ticket_number: ticketNumber,
      })
    )[0];
    if (!found) return denyOrConfirm(db, draft, question, undefined);
    draft.ticketId = found.ticket_id;
    draft.concertId = found.concert_id;
    // A typed number proves the version it is current at; the claim re-checks it atomically.
    question.codeVersion ??= found.code_version;
  }

  for (let look = 1; look <= MAX_LOOKS; look++) {
    let answer: ClaimAnswer;
    try {
      answer = await db.claims.run(scanClaim(settings, draft, question, unchecked?.digest ?? null));
    } catch (error) {
      // A concurrent scan with this scan_id wrote its row first; the statement undid our claim.
      if (isUniqueViolation(error, "scans_pkey")) return storedAnswer(db, draft);
      throw error;
    }
    if ("claimed" in answer) {
      if (digestOf) db.codeChecks.record(answer.claimed.code_digest === digestOf.digest);
      return toScanResponse(claimedScan(draft, answer.claimed));
    }
    const ticket = "state" in answer ? answer.state : undefined;
    if (ticket?.scan_taken) return storedAnswer(db, draft);
    if (unchecked && ("digestMismatch" in answer || ticket?.code_digest !== unchecked.digest)) {
      // Not the code ticketing issued for the ticket now: its signature decides whether it is a
      // ticket code at all; a genuine one is then judged like any other (replaced, not known yet).
      db.codeChecks.record(false);
      const check = await unchecked.check(settings.ticketCodeKey);
      if (!check.valid) return deny(db, { ...draft, ...presented }, refusedCode(check.reason));
      unchecked = undefined;
      digestOf = undefined;
      // A batch told only the mismatch: the claim, now of a verified code, tells the rest.
      if ("digestMismatch" in answer) continue;
    }
    const decision = classify(question, ticket);
    if (decision === "stale") continue;
    return deny(db, withTicket(draft, ticket), decision);
  }
  throw new HttpError(503, "The ticket is being scanned elsewhere right now; scan again", {
    "retry-after": "1",
  });
}

/**
 * Whether a code may go to the claim unverified, its digest matched there: an entry or attendance
 * scan of a JSON code (ticketing issues no other, so only its digest can match) for the concert
 * the scanner expects, if it named one (otherwise the signature decides between a forged code and
 * `wrong_concert` before anything else, as for every code).
 */
function mayMatchDigest(code: UncheckedTicketCode, question: ScanQuestion): boolean {
  return (
    question.scanType !== "sale_confirmation" &&
    code.claims.ticketNumber !== undefined &&
    (question.expectedConcertId === null || code.claims.concertId === question.expectedConcertId)
  );
}

const NOT_A_CODE: TicketCodeCheck = { valid: false, reason: "malformed" };

/** A code's signature checked (not a ticket code at all: malformed). */
async function checkCode(
  settings: GateSettings,
  code: UncheckedTicketCode | undefined,
): Promise<TicketCodeCheck> {
  return code ? code.check(settings.ticketCodeKey) : NOT_A_CODE;
}

/** The scan is of the ticket, concert and code version the code claims. */
function takeClaims(draft: ScanDraft, question: ScanQuestion, claims: TicketCodeClaims): void {
  draft.ticketId = claims.ticketId;
  draft.ticketNumber = claims.ticketNumber ?? null;
  draft.concertId = claims.concertId;
  question.codeVersion = claims.codeVersion;
}

function pick({ ticketId, ticketNumber, concertId }: ScanDraft) {
  return { ticketId, ticketNumber, concertId };
}

/** The claim of an entry or attendance scan, recording its TicketScanned event. */
function scanClaim(
  settings: GateSettings,
  draft: ScanDraft,
  question: ScanQuestion,
  codeDigest: string | null,
): ScanClaim {
  const ticketId = draft.ticketId as string;
  if (question.codeVersion === null) throw new Error(`scan ${draft.id}: no code version to claim`);
  return {
    kind: question.scanType === "entry_check" ? "entry_check" : "attendance",
    // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
    params: {
      ticket_id: ticketId,
      code_version: question.codeVersion,
      code_digest: codeDigest,
      concert_id: question.expectedConcertId,
      doors_open_before_minutes: settings.doorsOpenBeforeMinutes,
      admit_until_after_minutes: settings.admitUntilAfterMinutes,
      gate: draft.gate,
      scan_id: draft.id,
      device_id: draft.deviceId,
      scanned_by: draft.scannedBy,
      fingerprint: draft.requestFingerprint,
      scanned_at: draft.scannedAt,
      notes: draft.notes,
      ...GATE_RULES,
    },
    event: {
      scan_id: draft.id,
      ticket_id: ticketId,
      concert_id: draft.concertId as string,
      scan_type: question.scanType,
      gate: draft.gate,
      scanned_at: draft.scannedAt.toISOString(),
    },
    occurredAt: draft.scannedAt,
  };
}

/** Sale confirmations and unknown numbers: decided from the state alone, never claiming. */
function denyOrConfirm(
  db: GateDatabase,
  draft: ScanDraft,
  question: ScanQuestion,
  ticket: TicketStateRow | undefined,
): Promise<ScanResponse> {
  const decision = classify(question, ticket);
  // classify is "stale" only for entry and attendance scans of a claimable ticket.
  if (decision === "stale") throw new Error(`scan ${draft.id}: a state read cannot be stale`);
  return deny(db, withTicket(draft, ticket), decision);
}

function withTicket(draft: ScanDraft, ticket: TicketStateRow | undefined): ScanDraft {
  return ticket
    ? {
        ...draft,
        ticketId: ticket.ticket_id,
        ticketNumber: ticket.ticket_number,
        concertId: ticket.concert_id,
      }
    : draft;
}

/** Records a scan that changed nothing and answers it (or answers the scan_id's stored scan). */
async function deny(db: GateDatabase, draft: ScanDraft, decision: Decision) {
  const scan = await insertScan(db.sql, draft, decision);
  return scan ? toScanResponse(scan) : storedAnswer(db, draft);
}

/** The row the claim statement wrote, rebuilt rather than read back (one round trip less). */
function claimedScan(draft: ScanDraft, ticket: ClaimedTicket): Scan {
  // An entry claim always admits; an attendance claim admits a ticket nobody admitted before.
  const admittedHere = ticket.admitted_scan_id === draft.id;
  return scanOf(
    {
      ...draft,
      ticketId: ticket.ticket_id,
      ticketNumber: ticket.ticket_number,
      concertId: ticket.concert_id,
    },
    {
      result: admittedHere ? "admitted" : "attendance_recorded",
      admit: true,
      detail: admittedHere ? "Admitted" : "Attendance recorded",
      firstAdmittedAt: admittedHere ? null : ticket.admitted_at,
      firstAdmittedGate: admittedHere ? null : ticket.admitted_gate,
    },
  );
}

/**
 * The scan of a draft and its decision, written out field by field rather than
 * `{ ...draft, ...decision }`: no property added to an object a spread began (docs/DECISIONS.md).
 */
function scanOf(draft: ScanDraft, decision: Decision): Scan {
  return {
    id: draft.id,
    ticketId: draft.ticketId,
    ticketNumber: draft.ticketNumber,
    concertId: draft.concertId,
    scanType: draft.scanType,
    gate: draft.gate,
    deviceId: draft.deviceId,
    scannedBy: draft.scannedBy,
    requestFingerprint: draft.requestFingerprint,
    notes: draft.notes,
    scannedAt: draft.scannedAt,
    result: decision.result,
    admit: decision.admit,
    detail: decision.detail,
    firstAdmittedAt: decision.firstAdmittedAt,
    firstAdmittedGate: decision.firstAdmittedGate,
  };
}

/** Writes a scan that changed nothing; undefined when its scan_id is already taken. */
async function insertScan(
  sql: SqlClient,
  draft: ScanDraft,
  decision: Decision,
): Promise<Scan | undefined> {
  const rows = await INSERT_SCAN.query<{ scanned_at: Date }>(sql, {
    id: draft.id,
    ticket_id: draft.ticketId,
    ticket_number: draft.ticketNumber,
    concert_id: draft.concertId,
    scan_type: draft.scanType,
    result: decision.result,
    admit: decision.admit,
    detail: decision.detail,
    gate: draft.gate,
    device_id: draft.deviceId,
    scanned_by: draft.scannedBy,
    scanned_at: draft.scannedAt,
    first_admitted_at: decision.firstAdmittedAt,
    first_admitted_gate: decision.firstAdmittedGate,
    request_fingerprint: draft.requestFingerprint,
    notes: draft.notes,
  });
  return rows[0] && scanOf(draft, decision);
}

/** A retry gets the original answer; the same scan_id for something else is the caller's bug. */
async function storedAnswer(db: GateDatabase, draft: ScanDraft): Promise<ScanResponse> {
  const stored = await db.prisma.scan.findUnique({ where: { id: draft.id } });
  if (!stored) throw new Error(`scan ${draft.id} conflicted but is not stored`);
  if (stored.scannedBy !== draft.scannedBy) {
    throw new ConflictError("scan_id was already used by another scanner");
  }
  if (stored.requestFingerprint !== draft.requestFingerprint) {
    throw new ConflictError("scan_id was already used for a different ticket or scan type");
  }
  return toScanResponse(stored);
}
