import { randomUUID } from "node:crypto";
import type { ScanResult, ScanType } from "@concert/contracts";
import { describe, expect, it } from "vitest";
import { classify, type ScanQuestion } from "../src/domain/decide-scan.js";
import type { TicketStateRow } from "../src/domain/scan-sql.js";

const CONCERT = randomUUID();
const AT = new Date("2026-07-01T19:03:27Z");

const ask = (scanType: ScanType, over: Partial<ScanQuestion> = {}): ScanQuestion => ({
  scanType,
  presented: "code",
  ticketNumber: null,
  codeVersion: 1,
  expectedConcertId: null,
  ...over,
});

/** A sold ticket of a scheduled concert, nobody admitted yet: what each row below changes. */
const ticket = (over: Partial<TicketStateRow> = {}): TicketStateRow => ({
  ticket_id: randomUUID(),
  ticket_number: "K7M2-9QXA",
  concert_id: CONCERT,
  status: "sold",
  code_version: 1,
  admitted_at: null,
  admitted_gate: null,
  attended_at: null,
  revoked_at: null,
  claimed: false,
  concert_status: "scheduled",
  ...over,
});
const admitted = { admitted_at: AT, admitted_gate: "North" };

describe("why a scan that claimed nothing did not", () => {
  it.each<[string, ScanQuestion, Partial<TicketStateRow> | undefined, ScanResult, boolean]>([
    ["an unknown ticket", ask("entry_check"), undefined, "unknown_ticket", false],
    [
      "a ticket of another concert",
      ask("entry_check", { expectedConcertId: randomUUID() }),
      {},
      "wrong_concert",
      false,
    ],
    [
      "a code older than the ticket's",
      ask("entry_check"),
      { code_version: 2 },
      "code_replaced",
      false,
    ],
    [
      "a cancelled concert",
      ask("entry_check"),
      { concert_status: "cancelled" },
      "concert_cancelled",
      false,
    ],
    ["a refunded ticket", ask("entry_check"), { status: "refunded" }, "refunded", false],
    ["a ticket never sold", ask("entry_check"), { status: "created" }, "not_sold", false],
    [
      "an entry when already admitted here",
      ask("entry_check"),
      admitted,
      "already_admitted",
      false,
    ],
    [
      "an entry when ticketing says scanned_entry",
      ask("entry_check"),
      { status: "scanned_entry" },
      "already_admitted",
      false,
    ],
    [
      "an entry when ticketing says attended",
      ask("entry_check"),
      { status: "attended" },
      "already_admitted",
      false,
    ],
    [
      "attendance recorded already",
      ask("attendance"),
      { ...admitted, attended_at: AT },
      "already_attended",
      false,
    ],
    [
      "attendance when ticketing says attended",
      ask("attendance"),
      { status: "attended" },
      "already_attended",
      false,
    ],
    ["a sale confirmation", ask("sale_confirmation"), {}, "sale_confirmed", true],
    [
      "a sale confirmation of an admitted ticket",
      ask("sale_confirmation"),
      admitted,
      "sale_confirmed",
      true,
    ],
    [
      "a sale confirmation of a refunded ticket",
      ask("sale_confirmation"),
      { status: "refunded" },
      "refunded",
      false,
    ],
  ])("answers %s", (_, question, row, result, admit) => {
    expect(classify(question, row && ticket(row))).toMatchObject({ result, admit });
  });

  it.each<[string, ScanQuestion, Partial<TicketStateRow>]>([
    ["an admissible sold ticket", ask("entry_check"), {}],
    ["an admissible transferred ticket", ask("entry_check"), { status: "transferred" }],
    [
      "a typed number (no code version) of an admissible ticket",
      ask("entry_check", { codeVersion: null }),
      { code_version: 3 },
    ],
    ["a code newer than our copy", ask("entry_check", { codeVersion: 2 }), {}],
    ["attendance of a sold ticket not admitted yet (it admits)", ask("attendance"), {}],
    ["attendance of an admitted ticket", ask("attendance"), admitted],
    ["attendance of a ticket ticketing says is in", ask("attendance"), { status: "scanned_entry" }],
  ])("calls %s stale: it looked claimable, so another look decides", (_, question, row) => {
    expect(classify(question, ticket(row))).toBe("stale");
  });

  it("checks in order: concert, code, concert status, then ticket status", () => {
    const everythingWrong = ticket({
      code_version: 2,
      concert_status: "cancelled",
      status: "refunded",
    });
    const question = ask("entry_check", { expectedConcertId: randomUUID() });
    expect(classify(question, everythingWrong)).toMatchObject({ result: "wrong_concert" });
    expect(classify(ask("entry_check"), everythingWrong)).toMatchObject({
      result: "code_replaced",
    });
    expect(classify(ask("entry_check", { codeVersion: 2 }), everythingWrong)).toMatchObject({
      result: "concert_cancelled",
    });
  });

  it("refuses outside the door window, after saying whether the ticket was used", () => {
    const closed = {
      ...ticket(),
      scan_taken: false,
      admitted_scan_id: null,
      doors_closed: true,
      doors_open_at: new Date("2026-07-01T13:00:00Z"),
      doors_close_at: new Date("2026-07-02T07:00:00Z"),
    };
    for (const type of ["entry_check", "attendance"] as const) {
      expect(classify(ask(type), closed)).toEqual({
        result: "outside_door_window",
        admit: false,
        detail:
          "Not this concert's door time: admits from 2026-07-01 13:00 to 2026-07-02 07:00 UTC",
        firstAdmittedAt: null,
        firstAdmittedGate: null,
      });
    }
    expect(
      classify(ask("entry_check"), { ...closed, doors_open_at: null, doors_close_at: null }),
    ).toMatchObject({
      result: "outside_door_window",
      detail: expect.stringContaining("concert_id"),
    });
    expect(classify(ask("entry_check"), { ...closed, ...admitted })).toMatchObject({
      result: "already_admitted",
    });
    expect(classify(ask("entry_check"), { ...closed, doors_closed: false })).toBe("stale");
  });

  it("tells a bare ticket id of a transferred ticket to use the current code or number", () => {
    expect(
      classify(ask("entry_check", { presented: "id" }), ticket({ code_version: 2 })),
    ).toMatchObject({
      result: "code_replaced",
      detail: expect.stringContaining("its id alone no longer admits it"),
    });
  });

  it("tells the scanner where and when the ticket first got in, and names a typed number", () => {
    expect(classify(ask("entry_check"), ticket(admitted))).toEqual({
      result: "already_admitted",
      admit: false,
      detail: "Already admitted at North at 19:03 UTC",
      firstAdmittedAt: AT,
      firstAdmittedGate: "North",
    });
    expect(classify(ask("attendance"), ticket({ ...admitted, attended_at: AT }))).toMatchObject({
      detail: "Attendance already recorded at 19:03 UTC",
      firstAdmittedGate: "North",
    });
    expect(classify(ask("entry_check", { ticketNumber: "K7M2-9QXA" }), undefined)).toMatchObject({
      detail: "No ticket with number K7M2-9QXA",
    });
    expect(classify(ask("sale_confirmation"), ticket(admitted))).toMatchObject({
      detail: "Ticket sold; already admitted",
    });
  });
});
