import { randomUUID } from "node:crypto";
import { TicketScanned } from "@concert/contracts";
import { startTestInfra, type TestInfra } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance, type TestAttendance } from "./helper.js";

let infra: TestInfra;
let attendance: TestAttendance;
let others: ReturnType<typeof otherServices>;

// One claim statement at a time: every scan that arrives while it runs waits for the next one,
// which claims for all of them together (ClaimBatcher).
beforeAll(async () => {
  infra = await startTestInfra();
  attendance = await startTestAttendance(infra, { SCAN_CLAIMS_AT_ONCE: "1" });
  others = otherServices(infra, attendance);
});
afterAll(async () => {
  await attendance?.close();
  await infra?.stop();
});

const scan = (body: object, token: string) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: body,
    headers: { authorization: `Bearer ${token}` },
  });

const soldTickets = (count: number) =>
  Promise.all(Array.from({ length: count }, () => others.announceTicket(soldTicket())));

/**
 * The scan rows of these tickets, each with the transaction that wrote it (`xmin`: rows written by
 * one statement share it) and how many TicketScanned events name it.
 */
async function scanRowsOf(ticketIds: string[]) {
  return attendance.infra.prisma.$queryRawUnsafe<
    { scan_id: string; result: string; scan_xact: string; events: number }[]
  >(
    `SELECT s.id AS scan_id, s.result, s.xmin::text AS scan_xact,
            (SELECT count(*)::int FROM outbox_events o
              WHERE o.subject = $2 AND o.envelope -> 'payload' ->> 'scan_id' = s.id::text) AS events
       FROM scans s
      WHERE s.ticket_id = ANY($1::uuid[])`,
    ticketIds,
    TicketScanned.subject,
  );
}

describe("scans that arrive together are claimed together", () => {
  it("admits 30 tickets scanned at once in fewer statements than scans, each with its event", async () => {
    const tickets = await soldTickets(30);
    const token = others.tokenFor("scanner");

    const responses = await Promise.all(
      tickets.map((ticket, i) => scan({ qr_data: others.codeFor(ticket), gate: `G${i}` }, token)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
    const answers = responses.map((r) => r.json());
    answers.forEach((answer, i) => {
      expect(answer).toMatchObject({
        result: "admitted",
        admit: true,
        ticket_id: tickets[i]?.ticket_id,
        gate: `G${i}`,
      });
    });

    const rows = await scanRowsOf(tickets.map((t) => t.ticket_id));
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row.events).toBe(1);
    // At least one statement admitted more than one scan.
    expect(new Set(rows.map((row) => row.scan_xact)).size).toBeLessThan(30);
  });

  it("admits a ticket scanned 20 times among other scans exactly once", async () => {
    const [twice, ...rest] = await soldTickets(11);
    if (!twice) throw new Error("no ticket");
    const token = others.tokenFor("scanner");
    const bodies = [
      ...Array.from({ length: 20 }, (_, i) => ({ qr_data: others.codeFor(twice), gate: `D${i}` })),
      ...rest.map((ticket) => ({ qr_data: others.codeFor(ticket), gate: "Other" })),
    ];

    const answers = (await Promise.all(bodies.map((body) => scan(body, token)))).map((r) =>
      r.json(),
    );
    const ofTwice = answers.filter((a) => a.ticket_id === twice.ticket_id);
    expect(ofTwice.filter((a) => a.result === "admitted")).toHaveLength(1);
    expect(ofTwice.filter((a) => a.result === "already_admitted")).toHaveLength(19);
    const admitted = ofTwice.find((a) => a.admit);
    for (const denied of ofTwice.filter((a) => !a.admit)) {
      expect(denied.first_admitted_gate).toBe(admitted?.gate);
    }
    expect(answers.filter((a) => a.gate === "Other" && a.result === "admitted")).toHaveLength(10);

    const rows = await scanRowsOf([twice.ticket_id]);
    expect(rows).toHaveLength(20);
    expect(rows.filter((row) => row.events > 0)).toEqual([
      expect.objectContaining({ result: "admitted", events: 1 }),
    ]);
  });

  it("answers every scan when one scan_id arrives for two tickets in a batch (the batch is undone, each scan asked alone)", async () => {
    const tickets = await soldTickets(12);
    const token = others.tokenFor("scanner", randomUUID());
    const shared = randomUUID();
    // The first scan finds the statement free and runs alone; the two that share a scan_id come
    // last, so they wait together with the rest for the next statement.
    const bodies = tickets.map((ticket, i) => ({
      ...(i >= 10 && { scan_id: shared }),
      qr_data: others.codeFor(ticket),
      gate: "North",
    }));

    const responses = await Promise.all(bodies.map((body) => scan(body, token)));
    const answers = responses.map((r) => r.json());
    // One of the two admitted its ticket under the scan_id; the other is the caller's bug.
    expect(
      responses
        .slice(10)
        .map((r) => r.statusCode)
        .sort(),
    ).toEqual([200, 409]);
    expect(answers.slice(0, 10).map((a) => a.result)).toEqual(Array(10).fill("admitted"));

    const rows = await scanRowsOf(tickets.map((t) => t.ticket_id));
    expect(rows).toHaveLength(11);
    for (const row of rows) expect(row.events).toBe(1);
  });

  it("claims entry and attendance scans that arrive together, each by its own rules", async () => {
    const tickets = await soldTickets(16);
    const token = others.tokenFor("scanner");
    const responses = await Promise.all(
      tickets.map((ticket, i) =>
        scan(
          {
            ticket_id: ticket.ticket_id,
            scan_type: i % 2 === 0 ? "entry_check" : "attendance",
            gate: "Mixed",
          },
          token,
        ),
      ),
    );
    const answers = responses.map((r) => r.json());
    answers.forEach((answer, i) => {
      expect(answer).toMatchObject({
        result: "admitted",
        scan_type: i % 2 === 0 ? "entry_check" : "attendance",
      });
    });
    const statuses = await attendance.infra.prisma.gateTicket.findMany({
      where: { ticketId: { in: tickets.map((t) => t.ticket_id) } },
    });
    for (const [i, ticket] of tickets.entries()) {
      const row = statuses.find((s) => s.ticketId === ticket.ticket_id);
      expect(row?.status).toBe(i % 2 === 0 ? "scanned_entry" : "attended");
    }
  });
});
