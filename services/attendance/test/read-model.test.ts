import { randomUUID } from "node:crypto";
import {
  ConcertCreated,
  ConcertUpdated,
  type EventDefinition,
  TicketSold,
} from "@concert/contracts";
import { runProjection } from "@concert/service-kit";
import { eventually, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { snapshotProjection } from "../src/events/ticket.handlers.js";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;

beforeAll(() => {
  others = otherServices(infra, attendance);
});

const gateTicket = (ticketId: string) =>
  attendance.infra.prisma.gateTicket.findUniqueOrThrow({ where: { ticketId } });

/**
 * Waits until attendance's consumer of `event` has handled everything published to it so far.
 * Consumers handle several messages at once, so a later message applied says nothing of an
 * earlier one: only the consumer's backlog does.
 */
const handledAll = (event: EventDefinition) => others.handledAll(event);

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
    await handledAll(TicketSold);
    expect(await gateTicket(newer.ticket_id)).toMatchObject({
      revision: 3,
      status: "transferred",
      codeVersion: 2,
    });
  });

  it("of two snapshots of one ticket in one batch, keeps the newest, in either order", async () => {
    // What the consumer runs for a batch of TicketSold, with both in it.
    const projection = snapshotProjection(TicketSold);
    const ticket = soldTicket();
    const envelopeOf = (revision: number) => ({
      id: randomUUID(),
      name: TicketSold.name,
      version: TicketSold.version,
      occurred_at: new Date().toISOString(),
      payload: {
        ...ticket,
        revision,
        ticket_number: `N-${revision}`,
        price: 50,
        buyer_email: "fan@example.com",
        sold_at: new Date().toISOString(),
      },
    });
    for (const order of [
      [2, 3],
      [5, 4],
    ]) {
      const applied = await runProjection(
        attendance.infra.sql,
        projection,
        "read-model-test",
        order.map(envelopeOf),
      );
      expect(applied.size).toBe(2);
      expect(await gateTicket(ticket.ticket_id)).toMatchObject({
        revision: Math.max(...order),
        ticketNumber: `N-${Math.max(...order)}`,
      });
    }
  });

  it("changes nothing when an older snapshot is delivered again, and no snapshot clears an admission", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const scanner = others.tokenFor("scanner");
    const scan = (codeVersion: number) =>
      attendance.app.inject({
        method: "POST",
        url: "/api/scans/",
        payload: {
          qr_data: others.codeFor({ ...ticket, code_version: codeVersion }),
          gate: "South",
        },
        headers: { authorization: `Bearer ${scanner}` },
      });
    expect((await scan(1)).json().result).toBe("admitted");

    // A transfer's snapshot, which knows nothing of the gate, then revision 2 again under a new
    // event id (the inbox cannot catch that one), and that event redelivered.
    await others.announceTicket({ ...ticket, status: "transferred", code_version: 2, revision: 3 });
    const sold = {
      ...ticket,
      price: 50,
      buyer_email: "fan@example.com",
      sold_at: new Date().toISOString(),
    };
    const first = await others.publish(TicketSold, sold);
    await others.publish(TicketSold, sold, first.id);
    await handledAll(TicketSold);

    expect(await gateTicket(ticket.ticket_id)).toMatchObject({
      revision: 3,
      codeVersion: 2,
      admittedGate: "South",
    });
    expect((await scan(1)).json().result).toBe("code_replaced");
    expect((await scan(2)).json().result).toBe("already_admitted");
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
    await handledAll(ConcertCreated);
    expect(
      await attendance.infra.prisma.gateConcert.findUniqueOrThrow({ where: { concertId } }),
    ).toMatchObject({ version: 3, name: "Renamed", status: "scheduled" });
  });
});
