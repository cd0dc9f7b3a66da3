import { randomUUID } from "node:crypto";
import { TicketScanned } from "@concert/contracts";
import { outboxEvents, startTestInfra, type TestInfra } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance, type TestAttendance } from "./helper.js";

let infra: TestInfra;
let replicas: TestAttendance[];
let others: ReturnType<typeof otherServices>;

// Two attendance replicas on one database, as behind a load balancer at a busy gate.
beforeAll(async () => {
  infra = await startTestInfra();
  replicas = [await startTestAttendance(infra), await startTestAttendance(infra)];
  others = otherServices(infra, replicas[0] as TestAttendance);
});
afterAll(async () => {
  for (const replica of replicas ?? []) await replica.close();
  await infra?.stop();
});

function scanOn(replica: number, body: object, token: string) {
  return (replicas[replica % replicas.length] as TestAttendance).app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: body,
    headers: { authorization: `Bearer ${token}` },
  });
}

async function outboxRowsOf(ticketId: string) {
  const replica = replicas[0];
  if (!replica) throw new Error("no replica started");
  const rows = await outboxEvents(replica.infra.prisma, TicketScanned.subject);
  return rows.filter((row) => row.envelope.payload.ticket_id === ticketId);
}

describe("simultaneous scans of one ticket", () => {
  it("admits exactly once when 50 scans of one ticket hit two replicas at the same moment", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const qr = others.codeFor(ticket);
    const token = others.tokenFor("scanner");

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => scanOn(i, { qr_data: qr, gate: `Gate ${i}` }, token)),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, ...Array(49).fill(400)]);
    const answers = responses.map((r) => r.json());
    const admitted = answers.filter((a) => a.result === "admitted");
    const already = answers.filter((a) => a.result === "already_admitted");
    expect(admitted).toHaveLength(1);
    expect(already).toHaveLength(49);
    for (const answer of already) {
      expect(answer.first_admitted_at).toBe(admitted[0]?.scanned_at);
      expect(answer.first_admitted_gate).toBe(admitted[0]?.gate);
    }

    const prisma = replicas[0]?.infra.prisma;
    expect(await prisma?.scan.count({ where: { ticketId: ticket.ticket_id } })).toBe(50);
    expect(await outboxRowsOf(ticket.ticket_id)).toHaveLength(1);
  });

  it("admits exactly once when 50 attendance scans (the original scanner's default) of one ticket race", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const token = others.tokenFor("scanner");
    const body = { ticket_id: ticket.ticket_id, scan_type: "attendance", location: "Door" };

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => scanOn(i, body, token)),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, ...Array(49).fill(400)]);
    const answers = responses.map((r) => r.json());
    expect(answers.filter((a) => a.admit)).toEqual([
      expect.objectContaining({ result: "admitted", scan_type: "attendance" }),
    ]);
    expect(answers.filter((a) => a.result === "already_attended")).toHaveLength(49);

    const prisma = replicas[0]?.infra.prisma;
    expect(await prisma?.scan.count({ where: { ticketId: ticket.ticket_id } })).toBe(50);
    const events = await outboxRowsOf(ticket.ticket_id);
    expect(events.map((row) => row.envelope.payload.scan_type)).toEqual(["attendance"]);
  });

  it("gives 10 racing retries of one scan_id the same admitted answer and records one scan", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const token = others.tokenFor("scanner", randomUUID());
    const body = { scan_id: randomUUID(), qr_data: others.codeFor(ticket), gate: "East" };

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => scanOn(i, body, token)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    const answers = responses.map((r) => r.json());
    expect(answers[0]).toMatchObject({ id: body.scan_id, result: "admitted", admit: true });
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    const prisma = replicas[0]?.infra.prisma;
    expect(await prisma?.scan.count({ where: { ticketId: ticket.ticket_id } })).toBe(1);
    expect(await outboxRowsOf(ticket.ticket_id)).toHaveLength(1);
  });
});
