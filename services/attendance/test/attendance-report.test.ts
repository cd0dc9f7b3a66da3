import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;

beforeAll(() => {
  others = otherServices(infra, attendance);
});

function report(concertId: string, query: string, token: string | null) {
  return attendance.app.inject({
    method: "GET",
    url: `/api/scans/concert/${concertId}/attendance${query}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

describe("attendance report", () => {
  it("counts sold, entered and attended tickets and buckets arrivals by time", async () => {
    const concertId = randomUUID();
    const scanner = others.tokenFor("scanner");
    const announce = () => others.announceTicket(soldTicket({ concert_id: concertId }));
    const [first, second, third] = [await announce(), await announce(), await announce()];
    await announce();
    await announce();
    await others.announceTicket(
      soldTicket({ concert_id: concertId, status: "created", revision: 1, owner_id: null }),
    );
    await others.announceTicket(
      soldTicket({ concert_id: concertId, status: "refunded", revision: 3 }),
    );
    const scan = (body: object) =>
      attendance.app.inject({
        method: "POST",
        url: "/api/scans/",
        payload: body,
        headers: { authorization: `Bearer ${scanner}` },
      });
    // Three of the five sold tickets get in; one of them is then seen inside.
    for (const ticket of [first, second, third]) {
      expect((await scan({ qr_data: others.codeFor(ticket) })).json().result).toBe("admitted");
    }
    expect(
      (await scan({ qr_data: others.codeFor(first), scan_type: "attendance" })).json().result,
    ).toBe("attendance_recorded");

    // Arrival times are the database's clock; pin them to known minutes to check the buckets.
    const pin = (ticketId: string, iso: string) =>
      attendance.infra.prisma.gateTicket.update({
        where: { ticketId },
        data: { admittedAt: new Date(iso) },
      });
    await pin(first.ticket_id, "2026-06-01T19:02:00Z");
    await pin(second.ticket_id, "2026-06-01T19:14:59Z");
    await pin(third.ticket_id, "2026-06-01T19:31:00Z");

    const response = await report(concertId, "?bucket_minutes=15", scanner);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      concert_id: concertId,
      total_sold: 5,
      total_attended: 3,
      attendance_rate: "60.0%",
      sold: 5,
      entered: 3,
      attended: 1,
      not_yet_arrived: 2,
      attendance_ratio: 0.6,
      bucket_minutes: 15,
      arrivals: [
        { bucket_start: "2026-06-01T19:00:00.000Z", count: 2 },
        { bucket_start: "2026-06-01T19:30:00.000Z", count: 1 },
      ],
    });

    const hourly = (await report(concertId, "?bucket_minutes=60", scanner)).json();
    expect(hourly.arrivals).toEqual([{ bucket_start: "2026-06-01T19:00:00.000Z", count: 3 }]);
  });

  it('reports zeros and "0%" for a concert with nothing sold; the rate string has one decimal, the ratio 4', async () => {
    const admin = others.tokenFor("admin");
    const empty = (await report(randomUUID(), "", admin)).json();
    expect(empty).toMatchObject({
      total_sold: 0,
      total_attended: 0,
      attendance_rate: "0%",
      sold: 0,
      entered: 0,
      attendance_ratio: 0,
      bucket_minutes: 15,
    });
    expect(empty.arrivals).toEqual([]);

    const concertId = randomUUID();
    const announce = () => others.announceTicket(soldTicket({ concert_id: concertId }));
    const entering = await announce();
    await announce();
    await announce();
    await attendance.app.inject({
      method: "POST",
      url: "/api/scans/",
      payload: { qr_data: others.codeFor(entering) },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect((await report(concertId, "", admin)).json()).toMatchObject({
      total_sold: 3,
      total_attended: 1,
      attendance_rate: "33.3%",
      attendance_ratio: 0.3333,
    });
  });

  it("is for gate staff only", async () => {
    const concertId = randomUUID();
    expect((await report(concertId, "", others.tokenFor("viewer"))).statusCode).toBe(403);
    expect((await report(concertId, "", null)).statusCode).toBe(401);
    expect(
      (await report(concertId, "?bucket_minutes=0", others.tokenFor("admin"))).statusCode,
    ).toBe(422);
  });
});
