import { type TicketSnapshot, TicketTransferred, TransferAccepted } from "@concert/contracts";
import { loadTicketCodeSigningKey } from "@concert/service-kit";
import { eventually, startForFile } from "@concert/testing";
import { newTicketNumber, signCompactTicketCode } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { decideHandover } from "../src/domain/hand-over-ticket.js";
import { acceptance, otherServices, soldTicket, startTestAttendance } from "./helper.js";

// Issue 9, item 6: typed numbers and ticket ids skipped the code-version check. After a transfer,
// nothing the old holder kept may admit; the new holder's code and number admit, once.
const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

const scan = (body: Record<string, unknown>) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { scan_type: "entry_check", gate: "North", ...body },
    headers: { authorization: `Bearer ${scanner}` },
  });

/** The whole transfer as the gate sees it: the handover, then ticketing's new snapshot. */
async function transferred(ticket: TicketSnapshot): Promise<TicketSnapshot> {
  const transfer = acceptance(ticket);
  await others.publish(TransferAccepted, transfer);
  await others.handledAll(TransferAccepted);
  const handed: TicketSnapshot = {
    ...ticket,
    status: "transferred",
    owner_id: transfer.to_user_id,
    ticket_number: newTicketNumber(),
    code_version: ticket.code_version + 1,
    revision: ticket.revision + 1,
  };
  await others.publish(TicketTransferred, {
    ...handed,
    transfer_id: transfer.transfer_id,
    from_user_id: transfer.from_user_id,
  });
  await eventually(async () => {
    const copy = await attendance.infra.prisma.gateTicket.findUnique({
      where: { ticketId: ticket.ticket_id },
    });
    return copy?.ticketNumber === handed.ticket_number;
  });
  return handed;
}

/** Everything the old holder may still have, as each kind of device would send it. */
function keptByOldHolder(old: TicketSnapshot) {
  const codeKey = loadTicketCodeSigningKey(attendance.config);
  return {
    "the QR (seed JSON, old number inside)": { qr_data: others.codeFor(old) },
    "a printed CT1 code": {
      qr_data: signCompactTicketCode(codeKey, {
        ticketId: old.ticket_id,
        concertId: old.concert_id,
        codeVersion: old.code_version,
      }),
    },
    "the printed number, typed": { ticket_number: old.ticket_number.toLowerCase() },
    "the seed's scan body (ticket id from the QR's JSON)": {
      ticket_id: old.ticket_id,
      scan_type: "attendance",
      location: "Main door",
      notes: "",
      scanner_id: 7,
    },
    "a bare ticket id, entry scan": { ticket_id: old.ticket_id },
  };
}

describe("after a transfer", () => {
  it("admits nothing the old holder kept, each refused with a 4xx; the new QR admits exactly once", async () => {
    const old = await others.announceTicket(soldTicket());
    const now = await transferred(old);

    for (const [what, body] of Object.entries(keptByOldHolder(old))) {
      const response = await scan(body);
      expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, what).toBeLessThan(500);
      expect(response.json().admit, what).toBe(false);
    }
    const refusedById = await scan({ ticket_id: old.ticket_id });
    expect(refusedById.statusCode).toBe(409);
    expect(refusedById.json()).toMatchObject({
      result: "code_replaced",
      detail: expect.stringContaining("scan its current QR code or type its current number"),
    });
    expect((await scan({ ticket_number: old.ticket_number })).json().result).toBe("unknown_ticket");
    const copy = await attendance.infra.prisma.gateTicket.findUniqueOrThrow({
      where: { ticketId: old.ticket_id },
    });
    expect(copy.admittedAt).toBeNull();

    const admitted = await scan({ qr_data: others.codeFor(now) });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json()).toMatchObject({ admit: true, result: "admitted" });
    expect((await scan({ qr_data: others.codeFor(now) })).json().result).toBe("already_admitted");
    expect((await scan({ ticket_number: now.ticket_number })).json().result).toBe(
      "already_admitted",
    );
  });

  it("admits the new holder's typed number", async () => {
    const now = await transferred(await others.announceTicket(soldTicket()));
    const admitted = await scan({ ticket_number: now.ticket_number, scan_type: "attendance" });
    expect(admitted.json()).toMatchObject({ admit: true, result: "admitted" });
  });

  it("still admits a never-transferred ticket by its bare id (the seed's scanner)", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const admitted = await scan({ ticket_id: ticket.ticket_id, scan_type: "attendance" });
    expect(admitted.json()).toMatchObject({ admit: true, result: "admitted" });
  });
});

describe("a handover racing a scan by typed number or bare id", () => {
  it("never both hands the ticket over and admits the old holder (20 races each, fresh ticket each)", async () => {
    for (const named of ["ticket_number", "ticket_id"] as const) {
      for (let i = 0; i < 20; i++) {
        const ticket = await others.announceTicket(soldTicket());
        const [decision, scanned] = await Promise.all([
          attendance.infra.prisma.$transaction((tx) => decideHandover(tx, acceptance(ticket))),
          scan({ [named]: ticket[named] }),
        ]);
        const admitted = scanned.json().result === "admitted";
        expect({ named, i, both: decision === "handed_over" && admitted }).toMatchObject({
          both: false,
        });
        expect(decision === "handed_over" || admitted, `${named} #${i}: neither`).toBe(true);
      }
    }
  });
});
