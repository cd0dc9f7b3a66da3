import { generateKeyPairSync, randomUUID } from "node:crypto";
import { ConcertCancelled, TicketScanned, type TicketSnapshot } from "@concert/contracts";
import { loadTicketCodeSigningKey } from "@concert/service-kit";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import { signCompactTicketCode, signTicketCode } from "@concert/ticket-codes";
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

/** Scans and checks the HTTP status: 200 for an admission, a 4xx for each kind of denial. */
async function scanWith(status: number, body: object, token: string = scanner) {
  const response = await scan(body, token);
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

const scanOk = (body: object, token?: string) => scanWith(200, body, token);

async function storedScan(id: string) {
  return attendance.infra.prisma.scan.findUnique({ where: { id } });
}

async function scannedEventsOf(ticketId: string) {
  const outbox = await outboxEvents(attendance.infra.prisma, TicketScanned.subject);
  return outbox.filter((row) => row.envelope.payload.ticket_id === ticketId);
}

function scansOf(ticketId: string, token: string = scanner) {
  return attendance.app.inject({
    method: "GET",
    url: `/api/scans/ticket/${ticketId}`,
    headers: { authorization: `Bearer ${token}` },
  });
}

describe("entry scans", () => {
  it("admits a sold ticket once; the second scan is a 400 that says already admitted, when and where", async () => {
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
      location: "Gate A",
      device_id: "dev-1",
    });

    const second = await scanWith(400, { qr_data: qr, gate: "Gate B" });
    expect(second).toMatchObject({
      result: "already_admitted",
      admit: false,
      first_admitted_at: first.scanned_at,
      first_admitted_gate: "Gate A",
    });
    expect(second.detail).toMatch(/^Already admitted at Gate A at \d\d:\d\d UTC$/);

    const byNumber = await scanWith(400, { ticket_number: ticket.ticket_number });
    expect(byNumber.result).toBe("already_admitted");

    const mine = await scannedEventsOf(ticket.ticket_id);
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
    const elsewhere = await scanWith(409, {
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

  it("answers a retried denial with the same 4xx status and body", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await scanOk({ ticket_id: ticket.ticket_id });
    const body = { scan_id: randomUUID(), ticket_id: ticket.ticket_id };
    const denied = await scanWith(400, body);
    expect(denied).toMatchObject({ id: body.scan_id, result: "already_admitted", admit: false });
    expect(await scanWith(400, body)).toEqual(denied);

    const unknown = { scan_id: randomUUID(), ticket_number: "ZZZZ-ZZZZ" };
    const notFound = await scanWith(404, unknown);
    expect(await scanWith(404, unknown)).toEqual(notFound);
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
    expect(otherTicket.json()).toEqual({ detail: expect.stringMatching(/scan_id/) });
    const otherScanner = await scan({ scan_id: scanId, qr_data: others.codeFor(one) });
    expect(otherScanner.statusCode).toBe(409);
    // The refused scan of ticket two must not have admitted it.
    expect((await scanOk({ qr_data: others.codeFor(two) })).result).toBe("admitted");
  });
});

describe("denied scans: a 4xx with the scan as body, each recorded", () => {
  async function expectDenied(status: number, body: object, result: string) {
    const answer = await scanWith(status, body);
    expect(answer).toMatchObject({ result, admit: false, scanner_id: expect.any(String) });
    expect(answer.detail.length).toBeGreaterThan(0);
    expect(await storedScan(answer.id)).toMatchObject({ result, admit: false });
    return answer;
  }

  it("refuses a forged code as invalid_code with 400", async () => {
    await expectDenied(400, { qr_data: "CT1.garbage.garbage" }, "invalid_code");
    await expectDenied(400, { qr_data: "https://example.com/not-a-ticket" }, "invalid_code");
    await expectDenied(400, { qr_data: '{"ticket_number":"K7M2-9QXA"}' }, "invalid_code");
  });

  it("refuses a code signed with another Ed25519 key as invalid_code with 400", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const { privateKey } = generateKeyPairSync("ed25519");
    const forged = signTicketCode(privateKey, {
      ticketId: ticket.ticket_id,
      concertId: ticket.concert_id,
      ticketNumber: ticket.ticket_number,
      codeVersion: 1,
    });
    const answer = await expectDenied(400, { qr_data: forged }, "invalid_code");
    expect(answer.detail).toMatch(/signature/);
  });

  it("refuses an unknown ticket number, id, or a genuine code the gate has not heard of with 404", async () => {
    await expectDenied(404, { ticket_number: "NO-SUCH-TICKET" }, "unknown_ticket");
    const unknownId = randomUUID();
    const byId = await expectDenied(404, { ticket_id: unknownId }, "unknown_ticket");
    expect(byId.ticket_id).toBe(unknownId);
    const notYet = soldTicket();
    const answer = await expectDenied(404, { qr_data: others.codeFor(notYet) }, "unknown_ticket");
    expect(answer.ticket_id).toBe(notYet.ticket_id);
    expect(answer.detail).toMatch(/not known at the gate yet/);
  });

  it("refuses refunded and never-sold tickets with 409", async () => {
    const refunded = await others.announceTicket(soldTicket({ status: "refunded", revision: 3 }));
    await expectDenied(409, { qr_data: others.codeFor(refunded) }, "refunded");
    const unsold = await others.announceTicket(
      soldTicket({ status: "created", revision: 1, owner_id: null }),
    );
    await expectDenied(409, { qr_data: others.codeFor(unsold) }, "not_sold");
    await expectDenied(409, { ticket_id: unsold.ticket_id, scan_type: "attendance" }, "not_sold");
  });

  it("refuses the old QR code after a transfer replaced it with 409, and admits the new one", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const oldCode = others.codeFor(ticket);
    const transferred = await others.announceTicket({
      ...ticket,
      status: "transferred",
      code_version: 2,
      revision: 3,
      owner_id: randomUUID(),
    });
    await expectDenied(409, { qr_data: oldCode }, "code_replaced");
    expect((await scanOk({ qr_data: others.codeFor(transferred) })).result).toBe("admitted");
  });

  it("refuses a ticket of another concert than the gate's with 409", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const answer = await expectDenied(
      409,
      { qr_data: others.codeFor(ticket), concert_id: randomUUID() },
      "wrong_concert",
    );
    expect(answer.ticket_id).toBe(ticket.ticket_id);
  });

  it("refuses tickets of a cancelled concert with 409", async () => {
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
    await expectDenied(409, { qr_data: others.codeFor(ticket) }, "concert_cancelled");
  });
});

describe("who may scan", () => {
  it("refuses a viewer with 403 and an anonymous caller with 401, in the kit's {detail} shape", async () => {
    const body = { ticket_number: "X-1" };
    const viewer = await scan(body, others.tokenFor("viewer"));
    expect(viewer.statusCode).toBe(403);
    expect(Object.keys(viewer.json())).toEqual(["detail"]);
    expect((await scan(body, null)).statusCode).toBe(401);
    expect((await scan(body, others.tokenFor("admin"))).json().result).toBe("unknown_ticket");
  });

  it("refuses a body naming the ticket not exactly once, or a wrong scan type, with 422", async () => {
    const id = randomUUID();
    for (const body of [
      { qr_data: "CT1.a.b", ticket_number: "X-1" },
      { ticket_id: id, ticket_number: "X-1" },
      { ticket_id: id, qr_data: "CT1.a.b" },
      {},
      { scan_type: "attendance", location: "Main entrance" },
      { ticket_id: "42" },
      { ticket_number: "X-1", scan_type: "exit" },
    ]) {
      const response = await scan(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(Array.isArray(response.json().detail)).toBe(true);
    }
  });
});

describe("the original system's scanner", () => {
  it("scans by ticket_id with location and notes; the scanner recorded is the token's user, not scanner_id", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const userId = randomUUID();
    const answer = await scanOk(
      {
        ticket_id: ticket.ticket_id,
        scan_type: "entry_check",
        scanner_id: 7,
        location: "Main entrance",
        notes: "VIP wristband given",
      },
      others.tokenFor("scanner", userId),
    );
    expect(answer).toMatchObject({
      id: expect.any(String),
      ticket_id: ticket.ticket_id,
      scan_type: "entry_check",
      scanned_at: expect.any(String),
      scanner_id: userId,
      scanned_by: userId,
      location: "Main entrance",
      gate: "Main entrance",
      notes: "VIP wristband given",
      admit: true,
      result: "admitted",
    });
    const list = await scansOf(ticket.ticket_id);
    expect(list.json()[0]).toEqual(answer);
  });

  it("reads the QR text as JSON, finds ticket_number in it, and scans by ticket_id", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qrText = others.codeFor(ticket);
    const parsed = JSON.parse(qrText);
    expect(parsed).toMatchObject({
      ticket_id: ticket.ticket_id,
      ticket_number: ticket.ticket_number,
      concert_id: ticket.concert_id,
    });
    const answer = await scanOk({ ticket_id: parsed.ticket_id, scan_type: "attendance" });
    expect(answer).toMatchObject({ result: "admitted", ticket_number: parsed.ticket_number });
    // The same text sent as qr_data is verified offline and already used.
    expect((await scanWith(400, { qr_data: qrText })).result).toBe("already_admitted");
  });

  it("still admits the compact CT1 code printed on older tickets", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const printed = signCompactTicketCode(loadTicketCodeSigningKey(attendance.config), {
      ticketId: ticket.ticket_id,
      concertId: ticket.concert_id,
      codeVersion: ticket.code_version,
    });
    expect(await scanOk({ qr_data: printed })).toMatchObject({
      result: "admitted",
      ticket_number: ticket.ticket_number,
    });
  });
});

describe("attendance scans, the original scanner's default", () => {
  it("admit a sold ticket once and refuse the second with 400, announcing one TicketScanned", async () => {
    const ticket: TicketSnapshot = await others.announceTicket(soldTicket());
    const body = { ticket_id: ticket.ticket_id, scan_type: "attendance", location: "Door 2" };
    const first = await scanOk(body);
    expect(first).toMatchObject({
      result: "admitted",
      admit: true,
      detail: "Admitted",
      first_admitted_at: null,
    });
    const again = await scanWith(400, body);
    expect(again).toMatchObject({ result: "already_attended", admit: false });
    expect(again.detail).toMatch(/^Attendance already recorded at \d\d:\d\d UTC$/);
    // Let in by attendance is let in: an entry scan afterwards is refused too.
    expect(await scanWith(400, { ticket_id: ticket.ticket_id })).toMatchObject({
      result: "already_admitted",
      first_admitted_at: first.scanned_at,
      first_admitted_gate: "Door 2",
    });

    const row = await attendance.infra.prisma.gateTicket.findUnique({
      where: { ticketId: ticket.ticket_id },
    });
    expect(row).toMatchObject({ status: "attended", admittedScanId: first.id });
    expect(row?.attendedAt?.toISOString()).toBe(first.scanned_at);
    const events = await scannedEventsOf(ticket.ticket_id);
    expect(events.map((e) => e.envelope.payload)).toEqual([
      expect.objectContaining({ scan_id: first.id, scan_type: "attendance", gate: "Door 2" }),
    ]);
  });

  it("record attendance once inside for a ticket admitted at the entrance", async () => {
    const ticket: TicketSnapshot = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    const entry = await scanOk({ qr_data: qr, gate: "Gate C" });
    const first = await scanOk({ qr_data: qr, scan_type: "attendance" });
    expect(first).toMatchObject({
      result: "attendance_recorded",
      admit: true,
      first_admitted_at: entry.scanned_at,
      first_admitted_gate: "Gate C",
    });
    expect(await scanWith(400, { qr_data: qr, scan_type: "attendance" })).toMatchObject({
      result: "already_attended",
      admit: false,
    });
    expect((await scanWith(400, { qr_data: qr })).result).toBe("already_admitted");
    expect(await scannedEventsOf(ticket.ticket_id)).toHaveLength(2);
  });
});

describe("sale confirmation scans", () => {
  it("confirm a sale without changing anything, and refuse an unsold ticket with 409", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    expect(await scanOk({ qr_data: qr, scan_type: "sale_confirmation" })).toMatchObject({
      result: "sale_confirmed",
      admit: true,
    });
    expect((await scanOk({ qr_data: qr })).result).toBe("admitted");
    expect(
      (await scanOk({ ticket_id: ticket.ticket_id, scan_type: "sale_confirmation" })).result,
    ).toBe("sale_confirmed");
    const unsold = await others.announceTicket(
      soldTicket({ status: "created", revision: 1, owner_id: null }),
    );
    expect(
      await scanWith(409, { ticket_number: unsold.ticket_number, scan_type: "sale_confirmation" }),
    ).toMatchObject({ result: "not_sold", admit: false });
  });
});

describe("a ticket's scans", () => {
  it("are listed newest first, denials included, with the original's fields, for gate staff only", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const first = await scanOk({ ticket_id: ticket.ticket_id, notes: "first" });
    const second = await scanWith(400, { ticket_id: ticket.ticket_id, location: "Side door" });
    const list = await scansOf(ticket.ticket_id);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([second, first]);
    expect(list.json()[0]).toMatchObject({
      ticket_id: ticket.ticket_id,
      scan_type: "entry_check",
      location: "Side door",
      notes: null,
      scanner_id: expect.any(String),
    });
    expect((await scansOf(ticket.ticket_id, others.tokenFor("viewer"))).statusCode).toBe(403);
  });
});
