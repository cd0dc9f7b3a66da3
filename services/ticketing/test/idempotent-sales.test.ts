import { randomUUID } from "node:crypto";
import { TicketSold } from "@concert/contracts";
import { outboxEvents, startForFile } from "@concert/testing";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin", { userId: randomUUID() });
});

/** A request as a client sends it, with an Idempotency-Key when given. */
function send(path: string, token: string, body: object, key?: string) {
  return ticketing.app.inject({
    method: "POST",
    url: path,
    payload: body,
    headers: { authorization: `Bearer ${token}`, ...(key && { "idempotency-key": key }) },
  });
}

const purchase = (token: string, concertId: string, key?: string) =>
  send("/api/tickets/purchase", token, { concert_id: concertId }, key);

const soldCount = (concertId: string) =>
  ticketing.infra.prisma.ticket.count({ where: { concertId, status: "sold" } });

async function concertWithTickets(quantity: number) {
  const concert = await ticketing.concert({ capacity: quantity });
  const created = await ticketing.call("POST", `/api/tickets/create/${concert.concert_id}`, admin, {
    quantity,
  });
  expect(created.statusCode).toBe(201);
  return { concertId: concert.concert_id, tickets: created.json() as { id: string }[] };
}

describe("Idempotency-Key on purchase", () => {
  it("answers a retry with the first answer (Idempotent-Replayed) and sells nothing new", async () => {
    const { concertId } = await concertWithTickets(5);
    const buyer = ticketing.tokenFor("viewer");
    const key = randomUUID();

    const first = await purchase(buyer, concertId, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const retry = await purchase(buyer, concertId, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.json()).toEqual(first.json());

    expect(await soldCount(concertId)).toBe(1);
    const sales = (await outboxEvents(ticketing.infra.prisma, TicketSold.subject)).filter(
      (row) => row.envelope.payload.concert_id === concertId,
    );
    expect(sales).toHaveLength(1);
  });

  it("sells exactly one ticket to 10 simultaneous requests with the same key; the others get 409 or the replay", async () => {
    for (let round = 0; round < 5; round++) {
      const { concertId } = await concertWithTickets(10);
      const buyer = ticketing.tokenFor("viewer");
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => purchase(buyer, concertId, key)),
      );

      expect(await soldCount(concertId)).toBe(1);
      const sold = answers.filter((a) => a.statusCode === 201);
      expect(sold.length).toBeGreaterThanOrEqual(1);
      expect(new Set(sold.map((a) => a.json().id)).size).toBe(1);
      expect(sold.filter((a) => a.headers["idempotent-replayed"] !== "true")).toHaveLength(1);
      for (const busy of answers.filter((a) => a.statusCode !== 201)) {
        expect(busy.statusCode).toBe(409);
        expect(busy.json().detail).toMatch(/Idempotency-Key is still in progress/);
      }
    }
  });

  it("answers 409 to the same key while the first request is still running, then replays its answer", async () => {
    const { concertId } = await concertWithTickets(2);
    const buyer = ticketing.tokenFor("viewer");
    const key = randomUUID();
    // Hold the concert's row so the first purchase stays in flight (it waits for the row).
    const blocker = new pg.Client({
      connectionString: infra.databaseUrl,
      options: "-c search_path=ticketing",
    });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM concerts WHERE id = $1 FOR UPDATE", [concertId]);
      const first = purchase(buyer, concertId, key);
      await waitUntil(async () => {
        const waiting = await blocker.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        return waiting.rowCount === 1;
      });
      const during = await purchase(buyer, concertId, key);
      expect(during.statusCode).toBe(409);
      expect(during.json().detail).toMatch(/still in progress/);
      await blocker.query("COMMIT");
      const answered = await first;
      expect(answered.statusCode).toBe(201);
      const after = await purchase(buyer, concertId, key);
      expect(after.statusCode).toBe(201);
      expect(after.headers["idempotent-replayed"]).toBe("true");
      expect(after.json().id).toBe(answered.json().id);
      expect(await soldCount(concertId)).toBe(1);
    } finally {
      await blocker.end();
    }
  });

  it("refuses the same key with another body (422) and lets another user use the same key", async () => {
    const { concertId } = await concertWithTickets(3);
    const other = await concertWithTickets(3);
    const buyer = ticketing.tokenFor("viewer");
    const key = randomUUID();
    expect((await purchase(buyer, concertId, key)).statusCode).toBe(201);

    const reused = await purchase(buyer, other.concertId, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().detail).toMatch(/already used for a different request/);
    expect(await soldCount(other.concertId)).toBe(0);

    const someoneElse = await purchase(ticketing.tokenFor("viewer"), concertId, key);
    expect(someoneElse.statusCode).toBe(201);
    expect(someoneElse.headers["idempotent-replayed"]).toBeUndefined();
    expect(await soldCount(concertId)).toBe(2);
  });

  it("without a key behaves as before: every request buys", async () => {
    const { concertId } = await concertWithTickets(3);
    const buyer = ticketing.tokenFor("viewer");
    const answers = [await purchase(buyer, concertId), await purchase(buyer, concertId)];
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
    expect(answers[0]?.json().id).not.toBe(answers[1]?.json().id);
    expect(await soldCount(concertId)).toBe(2);
  });

  it("stores nothing for a refused purchase: the retry runs again", async () => {
    const { concertId } = await concertWithTickets(1);
    expect((await purchase(ticketing.tokenFor("viewer"), concertId)).statusCode).toBe(201);
    const buyer = ticketing.tokenFor("viewer");
    const key = randomUUID();
    const soldOut = await purchase(buyer, concertId, key);
    expect(soldOut.statusCode).toBe(409);
    expect(soldOut.json().detail).toMatch(/Sold out/);
    const again = await purchase(buyer, concertId, key);
    expect(again.statusCode).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("refuses a key that is too long or not visible ASCII (422, naming the header)", async () => {
    const { concertId } = await concertWithTickets(1);
    const buyer = ticketing.tokenFor("viewer");
    for (const key of ["k".repeat(256), "with space"]) {
      const refused = await purchase(buyer, concertId, key);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().detail[0].loc).toEqual(["headers", "idempotency-key"]);
    }
    expect(await soldCount(concertId)).toBe(0);
  });

  it("forgets keys after 24 hours: an expired key sells again and expired keys are pruned", async () => {
    const { concertId } = await concertWithTickets(3);
    const buyer = ticketing.tokenFor("viewer");
    const key = randomUUID();
    const first = await purchase(buyer, concertId, key);
    expect(first.statusCode).toBe(201);
    const stale = randomUUID();
    await ticketing.infra.prisma.$executeRaw`
      INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response, created_at)
      VALUES (${randomUUID()}::uuid, ${stale}, 'x', 201, '{}'::jsonb, now() - interval '25 hours')`;
    await ticketing.infra.prisma.$executeRaw`
      UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = ${key}`;

    const later = await purchase(buyer, concertId, key);
    expect(later.statusCode).toBe(201);
    expect(later.headers["idempotent-replayed"]).toBeUndefined();
    expect(later.json().id).not.toBe(first.json().id);
    expect(await soldCount(concertId)).toBe(2);
    const left = await ticketing.infra.prisma.idempotencyKey.findMany({
      where: { key: { in: [key, stale] } },
    });
    expect(left.map((row) => row.key)).toEqual([key]);
  });
});

describe("Idempotency-Key on mark-sold", () => {
  const sale = { buyer_name: "Box Office Buyer", buyer_email: "box@example.com" };

  it("replays the box office's sale to a retry, and refuses the key for another ticket (422)", async () => {
    const { concertId, tickets } = await concertWithTickets(2);
    const [one, two] = tickets;
    const key = randomUUID();
    const first = await send(`/api/tickets/${one?.id}/mark-sold`, admin, sale, key);
    expect(first.statusCode).toBe(200);
    const retry = await send(`/api/tickets/${one?.id}/mark-sold`, admin, sale, key);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.json()).toEqual(first.json());
    // Without the key, the same retry is the old 409: the ticket is sold already.
    expect((await send(`/api/tickets/${one?.id}/mark-sold`, admin, sale)).statusCode).toBe(409);

    const otherTicket = await send(`/api/tickets/${two?.id}/mark-sold`, admin, sale, key);
    expect(otherTicket.statusCode).toBe(422);
    expect(await soldCount(concertId)).toBe(1);
  });
});

async function waitUntil(probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not met within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
