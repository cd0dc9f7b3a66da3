import { randomUUID } from "node:crypto";
import {
  ConcertCreated,
  ConcertDeleted,
  SCAN_RESULT_STATUS,
  type ScanResult,
} from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

async function scan(body: object) {
  const response = await attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: body,
    headers: { authorization: `Bearer ${scanner}` },
  });
  const answer = response.json();
  // Every decided scan answers with the status its result stands for (a denial is a 4xx).
  expect(response.statusCode).toBe(SCAN_RESULT_STATUS[answer.result as ScanResult]);
  return answer;
}

/** Catalog announces the deletion; resolves once the gate has applied it. */
async function catalogDeletes(concertId: string, version: number): Promise<void> {
  await others.publish(ConcertDeleted, { concert_id: concertId, version });
  await waitUntilHandled(attendance.infra.nats, "attendance", ConcertDeleted, infra.subjectPrefix);
}

const gateCopy = (concertId: string) =>
  attendance.infra.prisma.gateConcert.findUnique({ where: { concertId } });

describe("the gate after catalog deleted a concert", () => {
  it("refuses a ticket it already knew, as for a cancelled concert", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await others.announceConcert(ticket.concert_id);
    await waitUntilHandled(
      attendance.infra.nats,
      "attendance",
      ConcertCreated,
      infra.subjectPrefix,
    );
    await catalogDeletes(ticket.concert_id, 2);

    const answer = await scan({ qr_data: others.codeFor(ticket) });
    expect(answer).toMatchObject({ admit: false, result: "concert_cancelled" });
    expect(await gateCopy(ticket.concert_id)).toMatchObject({ status: "cancelled", version: 2 });
  });

  it("refuses tickets announced after the deletion, created or sold", async () => {
    const concertId = randomUUID();
    await catalogDeletes(concertId, 2);
    const sold = await others.announceTicket(soldTicket({ concert_id: concertId }));
    const created = await others.announceTicket(
      soldTicket({ concert_id: concertId, status: "created", revision: 1, owner_id: null }),
    );

    expect(await scan({ qr_data: others.codeFor(sold) })).toMatchObject({
      admit: false,
      result: "concert_cancelled",
    });
    expect(await scan({ ticket_number: created.ticket_number })).toMatchObject({
      admit: false,
      result: "concert_cancelled",
    });
  });

  it("keeps the tombstone when the concert's older creation arrives after the deletion", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await catalogDeletes(ticket.concert_id, 3);
    await others.announceConcert(ticket.concert_id, { version: 1 });
    await waitUntilHandled(
      attendance.infra.nats,
      "attendance",
      ConcertCreated,
      infra.subjectPrefix,
    );

    const copy = await gateCopy(ticket.concert_id);
    expect(copy).toMatchObject({ status: "cancelled", version: 3 });
    expect(copy?.deletedAt).not.toBeNull();
    expect((await scan({ qr_data: others.codeFor(ticket) })).result).toBe("concert_cancelled");
  });
});
