import { generateKeyPairSync, randomUUID } from "node:crypto";
import { ConcertCancelled, TicketScanned, type TicketSnapshot } from "@concert/contracts";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import { signTicketCode } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

/** `token` null: an anonymous caller. */
function scan(body: object, token: string | null = scanner) {
  return attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

async function scanOk(body: object, token: string = scanner) {
  const response = await scan(body, token);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function storedScan(id: string) {
  return attendance.infra.prisma.scan.findUnique({ where: { id } });
}

describe("entry scans", () => {
  it("admits a sold ticket once; the second scan says already admitted, when and where", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);

    const first = await scanOk({ qr_data: qr, gate: "Gate A", device_id: "dev-1" });
    expect(first).toMatchObject({
      result: "admitted",
      admit: true,
      detail: "Admitted",
      ticket_id: ticket.ticket_id,
      ticket_number: ticket.ticket_number,
      concert_id: ticket.concert_id,
      scan_type: "entry_check",
      gate: "Gate A",
      device_id: "dev-1",
    });

    const second = await scanOk({ qr_data: qr, gate: "Gate B" });
    expect(second).toMatchObject({
      result: "already_admitted",
      admit: false,
      first_admitted_at: first.scanned_at,
      first_admitted_gate: "Gate A",
    });
    expect(second.detail).toMatch(/^Already admitted at Gate A at \d\d:\d\d UTC$/);

    const byNumber = await scanOk({ ticket_number: ticket.ticket_number });
    expect(byNumber.result).toBe("already_admitted");

    const outbox = await outboxEvents(attendance.infra.prisma, TicketScanned.subject);
    const mine = outbox.filter((row) => row.envelope.payload.ticket_id === ticket.ticket_id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.envelope.payload).toMatchObject({
      scan_id: first.id,
      concert_id: ticket.concert_id,
      scan_type: "entry_check",
      gate: "Gate A",
    });
  });

  it("admits by typed ticket number, however it was typed, and checks the expected concert", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const elsewhere = await scanOk({
      ticket_number: ticket.ticket_number,
      concert_id: randomUUID(),
    });
    expect(elsewhere).toMatchObject({ result: "wrong_concert", admit: false });
    const typed = ticket.ticket_number.replace("-", " ").toLowerCase();
    const admitted = await scanOk({ ticket_number: typed, concert_id: ticket.concert_id });
    expect(admitted).toMatchObject({
      result: "admitted",
      ticket_id: ticket.ticket_id,
      ticket_number: ticket.ticket_number,
    });
  });

  it("answers a retry with the same scan_id with the original answer, and records it once", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const userId = randomUUID();
    const token = others.tokenFor("scanner", userId);
    const body = { scan_id: randomUUID(), qr_data: others.codeFor(ticket), gate: "North" };
    const original = await scanOk(body, token);
    expect(original.result).toBe("admitted");
    expect(await scanOk(body, token)).toEqual(original);
    expect(
      await attendance.infra.prisma.scan.count({ where: { ticketId: ticket.ticket_id } }),
    ).toBe(1);
  });

  it("refuses a scan_id reused for another ticket or by another scanner with 409", async () => {
    const [one, two] = [
      await others.announceTicket(soldTicket()),
      await others.announceTicket(soldTicket()),
    ];
    const userId = randomUUID();
    const token = others.tokenFor("scanner", userId);
    const scanId = randomUUID();
    await scanOk({ scan_id: scanId, qr_data: others.codeFor(one) }, token);

    const otherTicket = await scan({ scan_id: scanId, qr_data: others.codeFor(two) }, token);
    expect(otherTicket.statusCode).toBe(409);
    expect(otherTicket.json().detail).toMatch(/scan_id/);
    const otherScanner = await scan({ scan_id: scanId, qr_data: others.codeFor(one) });
    expect(otherScanner.statusCode).toBe(409);
    // The refused scan of ticket two must not have admitted it.
    expect((await scanOk({ qr_data: others.codeFor(two) })).result).toBe("admitted");
  });
});

describe("denied scans, each recorded", () => {
  async function expectDenied(body: object, result: string) {
    const answer = await scanOk(body);
    expect(answer).toMatchObject({ result, admit: false });
    expect(answer.detail.length).toBeGreaterThan(0);
    expect(await storedScan(answer.id)).toMatchObject({ result, admit: false });
    return answer;
  }

  it("refuses a forged code as invalid_code", async () => {
    await expectDenied({ qr_data: "CT1.garbage.garbage" }, "invalid_code");
    await expectDenied({ qr_data: "https://example.com/not-a-ticket" }, "invalid_code");
  });

  it("refuses a code signed with another Ed25519 key as invalid_code", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const { privateKey } = generateKeyPairSync("ed25519");
    const forged = signTicketCode(privateKey, {
      ticketId: ticket.ticket_id,
      concertId: ticket.concert_id,
      codeVersion: 1,
    });
    const answer = await expectDenied({ qr_data: forged }, "invalid_code");
    expect(answer.detail).toMatch(/signature/);
  });

  it("refuses an unknown ticket number and a genuine code the gate has not heard of", async () => {
    await expectDenied({ ticket_number: "NO-SUCH-TICKET" }, "unknown_ticket");
    const notYet = soldTicket();
    const answer = await expectDenied({ qr_data: others.codeFor(notYet) }, "unknown_ticket");
    expect(answer.ticket_id).toBe(notYet.ticket_id);
    expect(answer.detail).toMatch(/not known at the gate yet/);
  });

  it("refuses refunded and never-sold tickets", async () => {
    const refunded = await others.announceTicket(soldTicket({ status: "refunded", revision: 3 }));
    await expectDenied({ qr_data: others.codeFor(refunded) }, "refunded");
    const unsold = await others.announceTicket(
      soldTicket({ status: "created", revision: 1, owner_id: null }),
    );
    await expectDenied({ qr_data: others.codeFor(unsold) }, "not_sold");
  });

  it("refuses the old QR code after a transfer replaced it, and admits the new one", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const oldCode = others.codeFor(ticket);
    const transferred = await others.announceTicket({
      ...ticket,
      status: "transferred",
      code_version: 2,
      revision: 3,
      owner_id: randomUUID(),
    });
    await expectDenied({ qr_data: oldCode }, "code_replaced");
    expect((await scanOk({ qr_data: others.codeFor(transferred) })).result).toBe("admitted");
  });

  it("refuses a ticket of another concert than the gate's", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const answer = await expectDenied(
      { qr_data: others.codeFor(ticket), concert_id: randomUUID() },
      "wrong_concert",
    );
    expect(answer.ticket_id).toBe(ticket.ticket_id);
  });

  it("refuses tickets of a cancelled concert", async () => {
    const concertId = randomUUID();
    await others.announceConcert(concertId);
    const ticket = await others.announceTicket(soldTicket({ concert_id: concertId }));
    await others.announceConcert(concertId, { version: 2, status: "cancelled" }, ConcertCancelled);
    await eventually(async () => {
      const concert = await attendance.infra.prisma.gateConcert.findUnique({
        where: { concertId },
      });
      return concert?.status === "cancelled";
    });
    await expectDenied({ qr_data: others.codeFor(ticket) }, "concert_cancelled");
  });
});

describe("who may scan", () => {
  it("refuses a viewer with 403 and an anonymous caller with 401", async () => {
    const body = { ticket_number: "X-1" };
    expect((await scan(body, others.tokenFor("viewer"))).statusCode).toBe(403);
    expect((await scan(body, null)).statusCode).toBe(401);
    expect((await scan(body, others.tokenFor("admin"))).statusCode).toBe(200);
  });

  it("refuses a body with both or neither of qr_data and ticket_number, or a wrong scan type, with 422", async () => {
    for (const body of [
      { qr_data: "CT1.a.b", ticket_number: "X-1" },
      {},
      { ticket_number: "X-1", scan_type: "exit" },
    ]) {
      const response = await scan(body);
      expect(response.statusCode).toBe(422);
    }
  });
});

describe("attendance and sale confirmation scans", () => {
  it("records attendance once, only after admission", async () => {
    const ticket: TicketSnapshot = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    expect(await scanOk({ qr_data: qr, scan_type: "attendance" })).toMatchObject({
      result: "not_admitted_yet",
      admit: false,
    });
    const entry = await scanOk({ qr_data: qr, gate: "Gate C" });
    const first = await scanOk({ qr_data: qr, scan_type: "attendance" });
    expect(first).toMatchObject({
      result: "attendance_recorded",
      admit: true,
      first_admitted_at: entry.scanned_at,
      first_admitted_gate: "Gate C",
    });
    const again = await scanOk({ qr_data: qr, scan_type: "attendance" });
    expect(again).toMatchObject({ result: "already_attended", admit: true });
    const row = await attendance.infra.prisma.gateTicket.findUnique({
      where: { ticketId: ticket.ticket_id },
    });
    expect(row?.attendedAt?.toISOString()).toBe(first.scanned_at);
    // Inside the venue is still "already admitted" at the gate.
    expect((await scanOk({ qr_data: qr })).result).toBe("already_admitted");
  });

  it("confirms a sale without changing anything", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    expect(await scanOk({ qr_data: qr, scan_type: "sale_confirmation" })).toMatchObject({
      result: "sale_confirmed",
      admit: true,
    });
    expect((await scanOk({ qr_data: qr })).result).toBe("admitted");
    expect((await scanOk({ qr_data: qr, scan_type: "sale_confirmation" })).result).toBe(
      "sale_confirmed",
    );
    const unsold = await others.announceTicket(
      soldTicket({ status: "created", revision: 1, owner_id: null }),
    );
    expect(
      await scanOk({ ticket_number: unsold.ticket_number, scan_type: "sale_confirmation" }),
    ).toMatchObject({ result: "not_sold", admit: false });
  });

  it("lists a ticket's scans newest first", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    const first = await scanOk({ qr_data: qr });
    const second = await scanOk({ qr_data: qr });
    const list = await attendance.app.inject({
      method: "GET",
      url: `/api/scans/ticket/${ticket.ticket_id}`,
      headers: { authorization: `Bearer ${scanner}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().map((s: { id: string }) => s.id)).toEqual([second.id, first.id]);
    const viewer = await attendance.app.inject({
      method: "GET",
      url: `/api/scans/ticket/${ticket.ticket_id}`,
      headers: { authorization: `Bearer ${others.tokenFor("viewer")}` },
    });
    expect(viewer.statusCode).toBe(403);
  });
});
