import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import { type ScanRequest, type ScanResponse, TicketScanned } from "@concert/contracts";
import { ConflictError, HttpError, recordEvent } from "@concert/service-kit";
import { checkTicketCode, normalizeTicketNumber } from "@concert/ticket-codes";
import type { Tx } from "../database/transaction-client.js";
import type { PrismaClient, Scan } from "../generated/prisma/client.js";
import { classify, type Decision, decideFromCode, type ScanQuestion } from "./decide-scan.js";
import { scanFingerprint } from "./scan-fingerprint.js";
import {
  ATTENDANCE_CLAIM_SQL,
  ENTRY_CLAIM_SQL,
  INSERT_SCAN_SQL,
  TICKET_STATE_SQL,
  type TicketStateRow,
} from "./scan-sql.js";
import { toScanResponse } from "./scan-view.js";

/** Thrown inside the transaction to roll it back: the scan_id belongs to an earlier scan. */
class ScanIdTaken extends Error {}

/**
 * A claim statement can see a ticket a concurrent scan is changing in its pre-change state; the
 * next statement sees the committed change. One more look always settles it; three is a margin.
 */
const MAX_LOOKS = 3;

/** The scan fields known before any lookup. */
type ScanDraft = Omit<
  Scan,
  "result" | "admit" | "detail" | "scannedAt" | "firstAdmittedAt" | "firstAdmittedGate"
>;

/**
 * Decides a scan and records it, in as few round trips as the rules allow: the signature is
 * checked without the database, then one transaction runs one claim statement (which also writes
 * the scan when it admits), plus the outbox event on success or the denial's scan row.
 */
export async function recordScan(
  prisma: PrismaClient,
  ticketCodeKey: KeyObject,
  request: ScanRequest,
  scannedBy: string,
): Promise<ScanResponse> {
  // Typed by a person at the gate: "k7m2 9qxa" is ticket K7M2-9QXA.
  const ticketNumber = request.ticket_number ? normalizeTicketNumber(request.ticket_number) : null;
  const draft: ScanDraft = {
    id: request.scan_id ?? randomUUID(),
    ticketId: null,
    ticketNumber,
    concertId: null,
    scanType: request.scan_type,
    gate: request.gate || null,
    deviceId: request.device_id || null,
    scannedBy,
    requestFingerprint: scanFingerprint(request),
  };
  const question: ScanQuestion = {
    scanType: request.scan_type,
    ticketNumber,
    codeVersion: null,
    expectedConcertId: request.concert_id ?? null,
  };

  if (request.qr_data) {
    const check = checkTicketCode(ticketCodeKey, request.qr_data);
    if (check.valid) {
      draft.ticketId = check.claims.ticketId;
      draft.concertId = check.claims.concertId;
      question.codeVersion = check.claims.codeVersion;
    }
    const early = decideFromCode(check, question.expectedConcertId);
    if (early) {
      const scan = await insertScan(prisma, draft, early);
      return scan ? toScanResponse(scan) : storedAnswer(prisma, draft);
    }
  }

  try {
    return await prisma.$transaction((tx) => decideInTransaction(tx, draft, question));
  } catch (error) {
    if (error instanceof ScanIdTaken) return storedAnswer(prisma, draft);
    throw error;
  }
}

async function decideInTransaction(
  tx: Tx,
  draft: ScanDraft,
  question: ScanQuestion,
): Promise<ScanResponse> {
  for (let look = 1; look <= MAX_LOOKS; look++) {
    const ticket = (await lookAndClaim(tx, draft, question))[0];
    if (ticket?.claimed) {
      // recorded_at null: the scan_id is taken, and rolling back undoes this claim.
      if (!ticket.recorded_at) throw new ScanIdTaken();
      const scan = claimedScan(draft, ticket, ticket.recorded_at);
      await recordEvent(tx, TicketScanned, {
        scan_id: scan.id,
        ticket_id: ticket.ticket_id,
        concert_id: ticket.concert_id,
        scan_type: question.scanType,
        gate: scan.gate,
        scanned_at: scan.scannedAt.toISOString(),
      });
      return toScanResponse(scan);
    }
    const decision = classify(question, ticket);
    if (decision === "stale") continue;
    const known = ticket
      ? {
          ticketId: ticket.ticket_id,
          ticketNumber: ticket.ticket_number,
          concertId: ticket.concert_id,
        }
      : {};
    const scan = await insertScan(tx, { ...draft, ...known }, decision);
    if (!scan) throw new ScanIdTaken();
    return toScanResponse(scan);
  }
  throw new HttpError(503, "The ticket is being scanned elsewhere right now; scan again", {
    "retry-after": "1",
  });
}

function lookAndClaim(tx: Tx, draft: ScanDraft, question: ScanQuestion) {
  const key = [draft.ticketId, question.ticketNumber] as const;
  if (question.scanType === "sale_confirmation") {
    return tx.$queryRawUnsafe<TicketStateRow[]>(TICKET_STATE_SQL, ...key);
  }
  return tx.$queryRawUnsafe<TicketStateRow[]>(
    question.scanType === "entry_check" ? ENTRY_CLAIM_SQL : ATTENDANCE_CLAIM_SQL,
    ...key,
    question.codeVersion,
    question.expectedConcertId,
    draft.gate,
    draft.id,
    draft.deviceId,
    draft.scannedBy,
    draft.requestFingerprint,
  );
}

/** The row the claim statement wrote, rebuilt rather than read back (one round trip less). */
function claimedScan(draft: ScanDraft, ticket: TicketStateRow, recordedAt: Date): Scan {
  const entry = draft.scanType === "entry_check";
  return {
    ...draft,
    ticketId: ticket.ticket_id,
    ticketNumber: ticket.ticket_number,
    concertId: ticket.concert_id,
    result: entry ? "admitted" : "attendance_recorded",
    admit: true,
    detail: entry ? "Admitted" : "Attendance recorded",
    scannedAt: recordedAt,
    firstAdmittedAt: entry ? null : ticket.admitted_at,
    firstAdmittedGate: entry ? null : ticket.admitted_gate,
  };
}

/** Writes a scan that changed nothing; undefined when its scan_id is already taken. */
async function insertScan(
  db: Tx | PrismaClient,
  draft: ScanDraft,
  decision: Decision,
): Promise<Scan | undefined> {
  const rows = await db.$queryRawUnsafe<{ scanned_at: Date }[]>(
    INSERT_SCAN_SQL,
    draft.id,
    draft.ticketId,
    draft.ticketNumber,
    draft.concertId,
    draft.scanType,
    decision.result,
    decision.admit,
    decision.detail,
    draft.gate,
    draft.deviceId,
    draft.scannedBy,
    decision.firstAdmittedAt,
    decision.firstAdmittedGate,
    draft.requestFingerprint,
  );
  const row = rows[0];
  return row && { ...draft, ...decision, scannedAt: row.scanned_at };
}

/** A retry gets the original answer; the same scan_id for something else is the caller's bug. */
async function storedAnswer(prisma: PrismaClient, draft: ScanDraft): Promise<ScanResponse> {
  const stored = await prisma.scan.findUnique({ where: { id: draft.id } });
  if (!stored) throw new Error(`scan ${draft.id} conflicted but is not stored`);
  if (stored.scannedBy !== draft.scannedBy) {
    throw new ConflictError("scan_id was already used by another scanner");
  }
  if (stored.requestFingerprint !== draft.requestFingerprint) {
    throw new ConflictError("scan_id was already used for a different ticket or scan type");
  }
  return toScanResponse(stored);
}
