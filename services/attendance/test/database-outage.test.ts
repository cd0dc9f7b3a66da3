import { TicketSold } from "@concert/contracts";
import { durableName, streamNames } from "@concert/service-kit";
import { startForFile, startTcpProxy, type TestInfra, withClient } from "@concert/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

/** What issue 9 asks to survive: the database refusing connections for this long mid-consumption. */
const OUTAGE_MS = 30_000;
const BEFORE = 20;
const DURING = 20;

/**
 * Attendance reaches Postgres only through a proxy the test controls, so the test can take the
 * database away from it (refuse new connections, reset open ones) while the machine's shared
 * Postgres keeps running for everyone else.
 */
async function startBehindProxy(infra: TestInfra) {
  const postgres = new URL(infra.databaseUrl);
  const proxy = await startTcpProxy({
    target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
  });
  const proxiedInfra = { ...infra, databaseUrl: proxy.rewrite(infra.databaseUrl) };
  const attendance = await startTestAttendance(proxiedInfra);
  return {
    attendance,
    proxy,
    async close() {
      await proxy.accept();
      await attendance.close();
      await proxy.close();
    },
  };
}

const { service: stack, infra } = startForFile(startBehindProxy);

/** Reads through the real database, not through the proxy or the service. */
const direct = <T>(sql: string, params: unknown[]) =>
  withClient(infra.databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);

describe("attendance while its database refuses connections", () => {
  it(`applies every TicketSold exactly once after a ${OUTAGE_MS / 1000} s outage during consumption, and dead-letters none`, async () => {
    const { attendance, proxy } = stack;
    const others = otherServices(infra, attendance);
    const tickets = Array.from({ length: BEFORE + DURING }, () => soldTicket());
    const sell = (ticket: (typeof tickets)[number]) =>
      others.publish(TicketSold, {
        ...ticket,
        price: 50,
        buyer_email: "fan@example.com",
        sold_at: new Date().toISOString(),
      });

    const ids = tickets.map((t) => t.ticket_id);
    const applied = async () =>
      (
        await direct<{ n: number }>(
          "SELECT count(*)::int AS n FROM attendance.gate_tickets WHERE ticket_id = ANY($1::uuid[]) AND status = 'sold'",
          [ids],
        )
      )[0]?.n ?? 0;

    // The first sales reach the consumer as the database goes away; the rest arrive during it.
    const envelopes = await Promise.all(tickets.slice(0, BEFORE).map(sell));
    await proxy.refuse();
    const outageStarted = Date.now();
    envelopes.push(...(await Promise.all(tickets.slice(BEFORE).map(sell))));
    await expect(attendance.infra.prisma.$queryRawUnsafe("SELECT 1")).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStarted)));
    const appliedDuringOutage = await applied();
    await proxy.accept();

    // Retries back off to at most 60 s (jittered), so the last ones may wait up to ~35 s more.
    const deadline = Date.now() + 75_000;
    while ((await applied()) < ids.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));

    // Nothing sold during the outage got through it: the proxy really kept the database away.
    expect(appliedDuringOutage).toBeLessThanOrEqual(BEFORE);
    expect(await applied()).toBe(BEFORE + DURING);
    const durable = durableName("attendance", TicketSold, infra.subjectPrefix);
    const processed = await direct<{ event_id: string; n: number }>(
      `SELECT event_id::text, count(*)::int AS n FROM attendance.processed_events
        WHERE consumer = $1 AND event_id = ANY($2::uuid[]) GROUP BY event_id`,
      [durable, envelopes.map((e) => e.id)],
    );
    expect(processed).toHaveLength(BEFORE + DURING);
    expect(processed.every((row) => row.n === 1)).toBe(true);
    const jsm = await jetstreamManager(attendance.infra.nats);
    const deadLetters = await jsm.streams.info(streamNames(infra.subjectPrefix).deadLetters);
    expect(deadLetters.state.messages).toBe(0);
  }, 180_000);
});
