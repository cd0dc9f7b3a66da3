import { TicketCodeDigested, type TicketSnapshot } from "@concert/contracts";
import { eventually, outboxEvents, startForFile, startTcpProxy } from "@concert/testing";
import { ticketCodeDigest } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { CodeDigestBackfill, digestEarlierCodes } from "../src/domain/code-digest-backfill.js";
import { startTestTicketing } from "./helper.js";

// Tickets issued before ticketing kept code digests have none (code_digest NULL). Here they are
// made so by clearing the digests of tickets issued now, as the column's migration left them.

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

/** A concert's tickets as issued before digests were kept: ids, and revisions before. */
async function earlierTickets(quantity: number) {
  const concertId = await ticketing.concertWithTickets(quantity);
  const { prisma } = ticketing.infra;
  await prisma.ticket.updateMany({ where: { concertId }, data: { codeDigest: null } });
  const tickets = await prisma.ticket.findMany({ where: { concertId }, orderBy: { id: "asc" } });
  return { concertId, ids: tickets.map(({ id }) => id), revisions: tickets.map((t) => t.revision) };
}

const ticketsOf = (concertId: string) =>
  ticketing.infra.prisma.ticket.findMany({ where: { concertId }, orderBy: { id: "asc" } });

/** This file's TicketCodeDigested payloads of the given tickets. */
async function digestedEvents(ids: string[]): Promise<TicketSnapshot[]> {
  const rows = await outboxEvents(ticketing.infra.prisma, TicketCodeDigested.subject);
  return rows
    .map((row) => row.envelope.payload as TicketSnapshot)
    .filter((payload) => ids.includes(payload.ticket_id));
}

/** Runs digestEarlierCodes until it finds nothing left; how many it digested. */
async function digestAll(batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await digestEarlierCodes(
      ticketing.infra.prisma,
      ticketing.keys.ticketCodeSigning,
      batch,
    );
    if (count === 0) return total;
    total += count;
  }
}

describe("tickets issued before ticketing kept code digests", () => {
  it("get the digest of the very code their holders are given, announced once each with TicketCodeDigested", async () => {
    const { concertId, ids } = await earlierTickets(5);
    const [sold, refunded, attended] = ids as [string, string, string];
    await ticketing.call("POST", `/api/tickets/${sold}/mark-sold`, admin, {
      buyer_name: "Fan",
      buyer_email: "fan@example.com",
    });
    // Final statuses: no scan of their codes changes anything, so they are left as they are.
    const { prisma } = ticketing.infra;
    await prisma.ticket.update({ where: { id: refunded }, data: { status: "refunded" } });
    await prisma.ticket.update({ where: { id: attended }, data: { status: "attended" } });
    const before = await ticketsOf(concertId);

    await digestAll(2);

    const after = await ticketsOf(concertId);
    const events = await digestedEvents(ids);
    for (const [i, ticket] of after.entries()) {
      if (ticket.id === refunded || ticket.id === attended) {
        expect(ticket).toMatchObject({ codeDigest: null, revision: before[i]?.revision });
        expect(events.filter((event) => event.ticket_id === ticket.id)).toEqual([]);
        continue;
      }
      const shown = await ticketing.call("GET", `/api/tickets/${ticket.id}`, admin);
      const qrData = (shown.json() as { qr_data: string }).qr_data;
      expect(ticket.codeDigest).toBe(ticketCodeDigest(qrData));
      expect(ticket.revision).toBe((before[i]?.revision as number) + 1);
      expect(ticket.updatedAt).toEqual(before[i]?.updatedAt);
      expect(events.filter((event) => event.ticket_id === ticket.id)).toEqual([
        {
          ticket_id: ticket.id,
          concert_id: concertId,
          ticket_number: ticket.ticketNumber,
          status: ticket.status,
          code_version: ticket.codeVersion,
          code_digest: ticket.codeDigest,
          revision: ticket.revision,
          owner_id: ticket.ownerId,
        },
      ]);
    }
    // Nothing is left to digest: a second pass finds nothing and announces nothing.
    expect(await digestAll(2)).toBe(0);
    expect(await digestedEvents(ids)).toHaveLength(3);
  });

  it("are each digested once when several processes digest at once", async () => {
    const { concertId, ids, revisions } = await earlierTickets(40);

    const counts = await Promise.all([digestAll(3), digestAll(3), digestAll(3), digestAll(3)]);

    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(40);
    const after = await ticketsOf(concertId);
    expect(after.map(({ revision }) => revision)).toEqual(revisions.map((r) => r + 1));
    expect(after.every(({ codeDigest }) => codeDigest !== null)).toBe(true);
    const events = await digestedEvents(ids);
    expect(events).toHaveLength(40);
    expect(new Set(events.map(({ ticket_id }) => ticket_id)).size).toBe(40);
  });

  it("are digested by ticketing when it starts, while it serves", async () => {
    const { concertId } = await earlierTickets(3);

    const upgraded = await startTestTicketing(infra);
    try {
      await eventually(async () =>
        (await ticketsOf(concertId)).every(({ codeDigest }) => codeDigest !== null),
      );
    } finally {
      await upgraded.close();
    }
  });

  it("are digested once the database is back when it failed meanwhile", async () => {
    // A second ticketing reaches Postgres through a proxy the test takes away and gives back.
    const postgres = new URL(infra.databaseUrl);
    const proxy = await startTcpProxy({
      target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
    });
    const behindProxy = await startTestTicketing({
      ...infra,
      databaseUrl: proxy.rewrite(infra.databaseUrl),
    });
    const warnings: unknown[] = [];
    const logger = { info: () => {}, warn: (fields: unknown) => warnings.push(fields) };
    const backfill = new CodeDigestBackfill(
      behindProxy.infra.prisma,
      behindProxy.keys.ticketCodeSigning,
      logger as never,
      100,
    );
    try {
      const { concertId } = await earlierTickets(3);
      await proxy.refuse();
      backfill.start();
      await eventually(async () => warnings.length >= 2);
      expect((await ticketsOf(concertId)).every(({ codeDigest }) => codeDigest === null)).toBe(
        true,
      );

      await proxy.accept();
      await eventually(async () =>
        (await ticketsOf(concertId)).every(({ codeDigest }) => codeDigest !== null),
      );
    } finally {
      await proxy.accept();
      await backfill.close();
      await behindProxy.close();
      await proxy.close();
    }
  });
});
