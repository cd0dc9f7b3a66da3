import { randomUUID } from "node:crypto";
import { ConcertUpdated, TicketSold } from "@concert/contracts";
import { durableName } from "@concert/service-kit";
import { eventually, startTestInfra, type TestInfra } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance, type TestAttendance } from "./helper.js";

let infra: TestInfra;
let attendance: TestAttendance;
let others: ReturnType<typeof otherServices>;

beforeAll(async () => {
  infra = await startTestInfra();
  attendance = await startTestAttendance(infra);
  others = otherServices(infra, attendance);
});
afterAll(async () => {
  await attendance?.close();
  await infra?.stop();
});

const gateTicket = (ticketId: string) =>
  attendance.infra.prisma.gateTicket.findUniqueOrThrow({ where: { ticketId } });

/**
 * Each event type has its own durable consumer that handles messages in order: once a later
 * message of the same type has been applied, every earlier one has been handled too.
 */
async function afterEarlierTicketEvents(): Promise<void> {
  await others.announceTicket(soldTicket());
}

describe("the gate's copy of tickets", () => {
  it("keeps revision 3 when revision 2 arrives after it", async () => {
    const newer = soldTicket({ status: "transferred", code_version: 2, revision: 3 });
    await others.announceTicket(newer);
    await others.publish(TicketSold, {
      ...newer,
      status: "sold",
      code_version: 1,
      revision: 2,
      price: 50,
      buyer_email: "fan@example.com",
      sold_at: new Date().toISOString(),
    });
    await afterEarlierTicketEvents();
    expect(await gateTicket(newer.ticket_id)).toMatchObject({
      revision: 3,
      status: "transferred",
      codeVersion: 2,
    });
  });

  it("applies a redelivered event once and never clears an admission", async () => {
    const ticket = soldTicket();
    const sold = await others.publish(TicketSold, {
      ...ticket,
      price: 50,
      buyer_email: "fan@example.com",
      sold_at: new Date().toISOString(),
    });
    await eventually(async () =>
      attendance.infra.prisma.gateTicket
        .count({ where: { ticketId: ticket.ticket_id } })
        .then((n) => n === 1),
    );
    const scanner = others.tokenFor("scanner");
    const scan = () =>
      attendance.app.inject({
        method: "POST",
        url: "/api/scans/",
        payload: { qr_data: others.codeFor(ticket), gate: "South" },
        headers: { authorization: `Bearer ${scanner}` },
      });
    expect((await scan()).json().result).toBe("admitted");

    // The same envelope again (a redelivery), then a newer snapshot that knows nothing of the gate.
    await others.publish(TicketSold, sold.payload, sold.id);
    await others.announceTicket({ ...ticket, revision: 3, owner_id: randomUUID() });

    const processed = await attendance.infra.prisma.processedEvent.count({
      where: {
        eventId: sold.id,
        consumer: durableName("attendance", TicketSold, infra.subjectPrefix),
      },
    });
    expect(processed).toBe(1);
    const row = await gateTicket(ticket.ticket_id);
    expect(row.revision).toBe(3);
    expect(row.admittedAt).not.toBeNull();
    expect(row.admittedGate).toBe("South");
    expect((await scan()).json().result).toBe("already_admitted");
  });
});

describe("the gate's copy of concerts", () => {
  it("keeps the newest version whatever order catalog's events arrive in", async () => {
    const concertId = randomUUID();
    await others.announceConcert(concertId, { version: 3, name: "Renamed" }, ConcertUpdated);
    await eventually(async () =>
      attendance.infra.prisma.gateConcert
        .findUnique({ where: { concertId } })
        .then((c) => c?.version === 3),
    );
    await others.announceConcert(concertId, { version: 1, name: "Original" });
    // ConcertCreated has a consumer of its own: wait for a later ConcertCreated to be applied.
    const marker = randomUUID();
    await others.announceConcert(marker);
    await eventually(async () =>
      attendance.infra.prisma.gateConcert
        .count({ where: { concertId: marker } })
        .then((n) => n === 1),
    );
    expect(
      await attendance.infra.prisma.gateConcert.findUniqueOrThrow({ where: { concertId } }),
    ).toMatchObject({ version: 3, name: "Renamed", status: "scheduled" });
  });
});
