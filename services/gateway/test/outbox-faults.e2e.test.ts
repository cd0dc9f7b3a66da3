import { TicketScanned, TicketSold } from "@concert/contracts";
import { streamNames } from "@concert/service-kit";
import { eventually, startForFile } from "@concert/testing";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, type Person } from "./http-client.js";
import { startProcessStack } from "./process-stack.js";
import { ADMIN } from "./stack.js";

// Every service as its own process on a broker of its own: the broker stops in the middle of
// writes, or a producer dies between its commit and its publish; after recovery every event is in
// the stream once and applied once by each consumer.
const { service: stack, infra } = startForFile((run) => startProcessStack(run));
let admin: string;
let scanner: string;
const { api, login, person, concertOnSale } = apiClient(() => stack.url);
const FAULT_TIMEOUT = 120_000;
const SETTLE_MS = 60_000;
/** The services consuming TicketSold (one durable each), and TicketScanned. */
const SOLD_CONSUMERS = ["attendance", "catalog", "refunds", "transfers"];
const SCANNED_CONSUMERS = ["refunds", "transfers"];
const SCHEMAS = ["identity", "catalog", "ticketing", "attendance", "refunds", "transfers"];

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "outbox-door@example.com", password: "door-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("outbox-door@example.com", "door-pass-1");
});

const scan = (concertId: string, qr: string, scanType = "entry_check") =>
  api("POST", "/api/scans/", {
    token: scanner,
    body: { qr_data: qr, concert_id: concertId, scan_type: scanType, location: "Main door" },
  });

const purchase = (buyer: Person, concertId: string) =>
  api("POST", "/api/tickets/purchase", { token: buyer.token, body: { concert_id: concertId } });

/** Resolves once the gate knows the ticket is sold (its TicketSold was applied there). */
const gateKnows = (concertId: string, qr: string) =>
  eventually(async () => {
    const probe = await scan(concertId, qr, "sale_confirmation");
    return probe.body.result === "sale_confirmed";
  }, SETTLE_MS);

/** Outbox rows not yet published, across every service. */
async function unpublished(): Promise<number> {
  let total = 0;
  for (const schema of SCHEMAS) {
    const [row] = await stack.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.outbox_events WHERE published_at IS NULL`,
    );
    total += row?.n ?? 0;
  }
  return total;
}

/** The event id of every message in the run's event stream, in stream order. */
async function streamIds(): Promise<string[]> {
  const nc = await connect({ servers: stack.nats.url });
  try {
    const consumer = await jetstream(nc).consumers.get(streamNames(infra.subjectPrefix).events, {
      deliver_policy: DeliverPolicy.All,
    });
    const ids: string[] = [];
    for (;;) {
      const msg = await consumer.next({ expires: 1_000 });
      if (!msg) return ids;
      ids.push(JSON.parse(msg.string()).id);
    }
  } finally {
    await nc.close();
  }
}

/** The outbox rows of `schema` announcing `subject` for these tickets. */
async function eventIds(schema: string, subject: string, ticketIds: string[]) {
  const rows = await stack.query<{ id: string }>(
    `SELECT id FROM ${schema}.outbox_events
      WHERE subject = $1 AND envelope->'payload'->>'ticket_id' = ANY($2::text[])`,
    [subject, ticketIds],
  );
  return rows.map((r) => r.id);
}

/** How many times each consumer service applied the event (its processed_events rows). */
async function appliedCounts(eventId: string, consumers: string[]) {
  const counts: Record<string, number> = {};
  for (const schema of consumers) {
    const [row] = await stack.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.processed_events WHERE event_id = $1::uuid`,
      [eventId],
    );
    counts[schema] = row?.n ?? 0;
  }
  return counts;
}

/** Every event in the stream exactly once, each of `events` applied exactly once everywhere. */
async function expectEachOnce(events: { ids: string[]; consumers: string[] }[]) {
  await eventually(async () => (await unpublished()) === 0, SETTLE_MS);
  const once = (consumers: string[]) => Object.fromEntries(consumers.map((c) => [c, 1]));
  for (const { ids, consumers } of events)
    for (const id of ids)
      await eventually(
        async () =>
          JSON.stringify(await appliedCounts(id, consumers)) === JSON.stringify(once(consumers)),
        SETTLE_MS,
      );
  const inStream = await streamIds();
  expect(inStream.length, "no event twice in the stream").toBe(new Set(inStream).size);
  for (const { ids } of events) expect(inStream).toEqual(expect.arrayContaining(ids));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the broker stopped during writes", () => {
  it(
    "sales and admissions made while NATS is down all succeed, and every event reaches every consumer once after it is back",
    async () => {
      const concertId = await concertOnSale(admin, 10);
      // Two tickets sold before the outage, known at the gate: admitted during it.
      const early = [];
      for (let i = 0; i < 2; i++) {
        const bought = await purchase(await person("early"), concertId);
        expect(bought.status).toBe(201);
        await gateKnows(concertId, bought.body.qr_data);
        early.push(bought.body as { id: string; qr_data: string });
      }
      const buyers = await Promise.all(Array.from({ length: 8 }, () => person("outage")));

      // The broker dies while the first sales are in flight.
      const first = Promise.all(buyers.slice(0, 4).map((b) => purchase(b, concertId)));
      await pause(20);
      await stack.nats.stop();
      const rest = await Promise.all([
        ...buyers.slice(4).map((b) => purchase(b, concertId)),
        ...early.map((t) => scan(concertId, t.qr_data)),
      ]);
      const answers = [...(await first), ...rest];
      for (const answer of answers)
        expect(answer.status, JSON.stringify(answer.body)).toBe(answer.body.result ? 200 : 201);
      expect(rest.slice(4).map((r) => r.body.result)).toEqual(["admitted", "admitted"]);
      const sold = answers.filter((a) => !a.body.result).map((a) => a.body.id as string);
      expect(sold).toHaveLength(8);
      await pause(1_000);
      expect(await unpublished()).toBeGreaterThan(0);
      // The gateway's own readiness says nothing of the services' outboxes: not a public view.
      expect(JSON.stringify((await api("GET", "/readyz")).body)).not.toMatch(/outbox/);

      await stack.nats.start();
      await expectEachOnce([
        { ids: await eventIds("ticketing", TicketSold.subject, sold), consumers: SOLD_CONSUMERS },
        {
          ids: await eventIds(
            "attendance",
            TicketScanned.subject,
            early.map((t) => t.id),
          ),
          consumers: SCANNED_CONSUMERS,
        },
      ]);
      // The read models: the gate knows every ticket sold during the outage, catalog counts them.
      for (const answer of answers.slice(0, 8)) await gateKnows(concertId, answer.body.qr_data);
      const gate = await stack.query<{ status: string }>(
        "SELECT status FROM attendance.gate_tickets WHERE ticket_id = ANY($1::uuid[])",
        [sold],
      );
      expect(gate.map((g) => g.status)).toEqual(sold.map(() => "sold"));
    },
    FAULT_TIMEOUT,
  );
});

describe("a producer killed between its commit and its publish", () => {
  it(
    "ticketing SIGKILLed with a sale committed and unpublished: after its restart the sale is published once and applied once",
    async () => {
      const concertId = await concertOnSale(admin, 1);
      const buyer = await person("crash");
      // With the broker away the relay cannot publish: the row is committed and waits.
      await stack.nats.stop();
      const bought = await purchase(buyer, concertId);
      expect(bought.status).toBe(201);
      const [eventId] = await eventIds("ticketing", TicketSold.subject, [bought.body.id]);
      expect(eventId).toBeDefined();
      await stack.kill("ticketing");
      await stack.nats.start();
      await stack.start("ticketing");

      await expectEachOnce([{ ids: [eventId as string], consumers: SOLD_CONSUMERS }]);
      await gateKnows(concertId, bought.body.qr_data);
    },
    FAULT_TIMEOUT,
  );
});
