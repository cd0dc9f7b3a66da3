import { randomUUID } from "node:crypto";
import { ConcertUpdated, type TicketSnapshot } from "@concert/contracts";
import { eventually, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

// Issue 9, item 5: a scan that names no concert used to admit a valid ticket of any concert.
const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

const HOUR = 3_600_000;
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

const scan = (body: Record<string, unknown>) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { scan_type: "entry_check", gate: "North", ...body },
    headers: { authorization: `Bearer ${scanner}` },
  });

/** A sold ticket of a concert catalog announced as starting `startsIn` ms from now. */
async function ticketOfConcertStarting(startsIn: number): Promise<TicketSnapshot> {
  const concertId = randomUUID();
  await others.announceConcert(concertId, { starts_at: fromNow(startsIn) });
  await eventually(() => attendance.infra.prisma.gateConcert.findUnique({ where: { concertId } }));
  return others.announceTicket(soldTicket({ concert_id: concertId }));
}

/** The three ways a ticket is named at the gate. */
const namings = (ticket: TicketSnapshot) => ({
  qr_data: { qr_data: others.codeFor(ticket) },
  ticket_number: { ticket_number: ticket.ticket_number },
  ticket_id: { ticket_id: ticket.ticket_id },
});

describe("a scan that names its concert", () => {
  it("refuses a valid ticket of another concert (409 wrong_concert), however the ticket is named", async () => {
    const tonightA = await ticketOfConcertStarting(HOUR);
    const tonightB = await ticketOfConcertStarting(HOUR);
    for (const [how, named] of Object.entries(namings(tonightB))) {
      const response = await scan({ ...named, concert_id: tonightA.concert_id });
      expect(response.statusCode, how).toBe(409);
      expect(response.json(), how).toMatchObject({ admit: false, result: "wrong_concert" });
    }
    const own = await scan({
      ticket_number: tonightB.ticket_number,
      concert_id: tonightB.concert_id,
    });
    expect(own.json()).toMatchObject({ admit: true, result: "admitted" });
  });

  it("admits its own tickets at any time: the device was set up for that concert", async () => {
    const nextWeek = await ticketOfConcertStarting(7 * 24 * HOUR);
    const response = await scan({
      qr_data: others.codeFor(nextWeek),
      concert_id: nextWeek.concert_id,
    });
    expect(response.json()).toMatchObject({ admit: true, result: "admitted" });
  });
});

describe("a scan that names no concert", () => {
  it("refuses a ticket of a concert starting in 3 days (409 outside_door_window) and admits one starting in 1 hour", async () => {
    const inThreeDays = await ticketOfConcertStarting(3 * 24 * HOUR);
    for (const [how, named] of Object.entries(namings(inThreeDays))) {
      const response = await scan(named);
      expect(response.statusCode, how).toBe(409);
      expect(response.json(), how).toMatchObject({
        admit: false,
        result: "outside_door_window",
        detail: expect.stringMatching(/^Not this concert's door time: admits from .+ UTC$/),
      });
    }
    const attendanceScan = await scan({
      ticket_id: inThreeDays.ticket_id,
      scan_type: "attendance",
    });
    expect(attendanceScan.json()).toMatchObject({ admit: false, result: "outside_door_window" });
    const copy = await attendance.infra.prisma.gateTicket.findUniqueOrThrow({
      where: { ticketId: inThreeDays.ticket_id },
    });
    expect(copy).toMatchObject({ admittedAt: null, attendedAt: null, status: "sold" });

    const inOneHour = await ticketOfConcertStarting(HOUR);
    const admitted = await scan({ qr_data: others.codeFor(inOneHour) });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json()).toMatchObject({ admit: true, result: "admitted" });
  });

  it("admits until 12 hours after the start (defaults), not after", async () => {
    const startedElevenHoursAgo = await ticketOfConcertStarting(-11 * HOUR);
    expect((await scan({ qr_data: others.codeFor(startedElevenHoursAgo) })).json().result).toBe(
      "admitted",
    );
    const startedThirteenHoursAgo = await ticketOfConcertStarting(-13 * HOUR);
    expect((await scan({ qr_data: others.codeFor(startedThirteenHoursAgo) })).json().result).toBe(
      "outside_door_window",
    );
    const inFiveHours = await ticketOfConcertStarting(5 * HOUR);
    expect((await scan({ qr_data: others.codeFor(inFiveHours) })).json().result).toBe("admitted");
  });

  it("follows a rescheduled concert (ConcertUpdated) both ways", async () => {
    const moved = await ticketOfConcertStarting(3 * 24 * HOUR);
    expect((await scan({ ticket_number: moved.ticket_number })).json().result).toBe(
      "outside_door_window",
    );
    await others.announceConcert(
      moved.concert_id,
      { version: 2, starts_at: fromNow(HOUR) },
      ConcertUpdated,
    );
    await others.handledAll(ConcertUpdated);
    expect((await scan({ ticket_number: moved.ticket_number })).json()).toMatchObject({
      admit: true,
      result: "admitted",
    });

    const postponed = await ticketOfConcertStarting(HOUR);
    await others.announceConcert(
      postponed.concert_id,
      { version: 2, starts_at: fromNow(3 * 24 * HOUR) },
      ConcertUpdated,
    );
    await others.handledAll(ConcertUpdated);
    expect((await scan({ qr_data: others.codeFor(postponed) })).json().result).toBe(
      "outside_door_window",
    );
  });

  it("refuses a ticket whose concert the gate has not heard of, unless the scan names it", async () => {
    const unheardOf = await others.announceTicket(soldTicket(), { withConcert: false });
    const refused = await scan({ qr_data: others.codeFor(unheardOf) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      result: "outside_door_window",
      detail: expect.stringContaining("concert_id"),
    });
    const named = await scan({
      qr_data: others.codeFor(unheardOf),
      concert_id: unheardOf.concert_id,
    });
    expect(named.json()).toMatchObject({ admit: true, result: "admitted" });
  });

  it("still says already admitted for a used ticket, and confirms a sale outside the window", async () => {
    const inThreeDays = await ticketOfConcertStarting(3 * 24 * HOUR);
    const confirmed = await scan({
      qr_data: others.codeFor(inThreeDays),
      scan_type: "sale_confirmation",
    });
    expect(confirmed.json()).toMatchObject({ admit: true, result: "sale_confirmed" });
    expect(
      (
        await scan({ qr_data: others.codeFor(inThreeDays), concert_id: inThreeDays.concert_id })
      ).json().result,
    ).toBe("admitted");
    expect((await scan({ qr_data: others.codeFor(inThreeDays) })).json().result).toBe(
      "already_admitted",
    );
  });
});
