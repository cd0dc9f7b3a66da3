import type { ScanResult, ScanType } from "@concert/contracts";
import type { TicketCodeCheck } from "@concert/ticket-codes";
import type { ClaimRow, TicketStateRow } from "./scan-sql.js";

/** What the gate answers, before it is written down as a scan. */
export interface Decision {
  result: ScanResult;
  admit: boolean;
  detail: string;
  firstAdmittedAt: Date | null;
  firstAdmittedGate: string | null;
}

/** What a scan asked, once the QR code (if any) was verified. */
export interface ScanQuestion {
  scanType: ScanType;
  /** What named the ticket: a signed code, a typed number, or the original's bare ticket id. */
  presented: "code" | "number" | "id";
  ticketNumber: string | null;
  /**
   * The newest code version the scan proves: the verified code's, the first version for a bare
   * ticket id (no secret), and for a typed number the version it was current at (null until it
   * is looked up: a number is always current when it is found).
   */
  codeVersion: number | null;
  expectedConcertId: string | null;
}

const REPLACED: Record<ScanQuestion["presented"], string> = {
  code: "This QR code was replaced by a newer one (ticket transferred)",
  number: "This ticket number was replaced by a new one (ticket transferred)",
  id: "Ticket was transferred: its id alone no longer admits it; scan its current QR code or type its current number",
};

function answer(result: ScanResult, detail: string, admit = false): Decision {
  return { result, admit, detail, firstAdmittedAt: null, firstAdmittedGate: null };
}

/** A code that is not a ticket code, or whose signature does not hold. */
export function refusedCode(reason: "malformed" | "bad_signature"): Decision {
  return answer(
    "invalid_code",
    reason === "malformed" ? "Not a ticket code" : "Ticket code signature is not valid",
  );
}

/** Decided from the code and the request alone, before any database work; null: go on. */
export function decideFromCode(
  check: TicketCodeCheck,
  expectedConcertId: string | null,
): Decision | null {
  if (!check.valid) return refusedCode(check.reason);
  if (expectedConcertId && check.claims.concertId !== expectedConcertId) {
    return answer("wrong_concert", "Ticket is for another concert");
  }
  return null;
}

/**
 * Why a scan that claimed nothing did not, from the ticket as the database showed it. "stale"
 * means the ticket looked claimable: a concurrent scan changed it after this statement's snapshot
 * was taken, and a fresh look will tell what happened.
 */
export function classify(
  question: ScanQuestion,
  ticket: TicketStateRow | ClaimRow | undefined,
): Decision | "stale" {
  if (!ticket) {
    return answer(
      "unknown_ticket",
      question.ticketNumber
        ? `No ticket with number ${question.ticketNumber}`
        : "Ticket not known at the gate yet; retry shortly or check at the box office",
    );
  }
  if (question.expectedConcertId && ticket.concert_id !== question.expectedConcertId) {
    return answer("wrong_concert", "Ticket is for another concert");
  }
  if (question.codeVersion !== null && question.codeVersion < ticket.code_version) {
    return answer("code_replaced", REPLACED[question.presented]);
  }
  if (ticket.concert_status === "cancelled")
    return answer("concert_cancelled", "Concert is cancelled");
  // Revoked by the gate for a refund: refunded, even before ticketing's snapshot says so.
  if (ticket.status === "refunded" || ticket.revoked_at !== null)
    return answer("refunded", "Ticket was refunded");
  if (ticket.status === "created") return answer("not_sold", "Ticket was never sold");

  const admitted =
    ticket.admitted_at !== null ||
    ticket.status === "scanned_entry" ||
    ticket.status === "attended";
  const attended = ticket.attended_at !== null || ticket.status === "attended";
  switch (question.scanType) {
    case "entry_check":
      return admitted ? alreadyAdmitted(ticket) : (doorsClosed(ticket) ?? "stale");
    case "attendance":
      // Admits a ticket not in yet, records attendance of one in: both claim. Used up once attended.
      if (attended) {
        return {
          ...alreadyAdmitted(ticket),
          result: "already_attended",
          detail: `Attendance already recorded${at(ticket.attended_at)}`,
        };
      }
      return doorsClosed(ticket) ?? "stale";
    case "sale_confirmation":
      return answer(
        "sale_confirmed",
        admitted ? "Ticket sold; already admitted" : "Ticket sold",
        true,
      );
  }
}

/** A scan that named no concert, outside the ticket's door window (claim statements tell). */
function doorsClosed(ticket: TicketStateRow | ClaimRow): Decision | null {
  if (!("doors_closed" in ticket) || !ticket.doors_closed) return null;
  if (!ticket.doors_open_at || !ticket.doors_close_at) {
    return answer(
      "outside_door_window",
      "Concert not known at the gate yet: scan with its concert named (concert_id)",
    );
  }
  return answer(
    "outside_door_window",
    `Not this concert's door time: admits from ${day(ticket.doors_open_at)} to ${day(ticket.doors_close_at)} UTC`,
  );
}

/** "2026-11-28 19:03": the date matters here, a ticket for next week's show is the usual case. */
function day(time: Date): string {
  return time.toISOString().slice(0, 16).replace("T", " ");
}

function alreadyAdmitted(ticket: TicketStateRow): Decision {
  const where = ticket.admitted_gate ? ` at ${ticket.admitted_gate}` : "";
  return {
    result: "already_admitted",
    admit: false,
    detail: `Already admitted${where}${at(ticket.admitted_at)}`,
    firstAdmittedAt: ticket.admitted_at,
    firstAdmittedGate: ticket.admitted_gate,
  };
}

/** " at 19:03 UTC": short enough for a scanner's screen; the device has the full timestamp. */
function at(time: Date | null): string {
  return time ? ` at ${time.toISOString().slice(11, 16)} UTC` : "";
}
