import { randomUUID } from "node:crypto";
import { ConcertCreated } from "@concert/contracts";
import { startBehindGateway } from "@concert/service-kit/testing";
import { eventually, publishEvent, startForFile, testEnv } from "@concert/testing";
import { ticketingService } from "@concert/ticketing";
import { describe, expect, it } from "vitest";
import { gatewayService } from "../src/service.js";
import { apiClient } from "./http-client.js";

// A flaky client's retries, through the gateway as a browser on another origin sends them.
const { service: front, infra } = startForFile((infra) =>
  startBehindGateway(ticketingService, gatewayService, testEnv(infra)),
);
const { api } = apiClient(() => front.url);
const ORIGIN = "http://localhost:5173";

/** A concert as catalog announces it, with `tickets` tickets issued once ticketing knows it. */
async function concertOnSale(tickets: number): Promise<string> {
  const concertId = randomUUID();
  await publishEvent(front.service.infra.nats, infra.subjectPrefix, ConcertCreated, {
    concert_id: concertId,
    version: 1,
    name: "Show",
    artist: null,
    venue: "Arena",
    starts_at: new Date(Date.now() + 86_400_000).toISOString(),
    capacity: tickets,
    ticket_price: 20,
    status: "scheduled",
  });
  const admin = front.tokenFor("admin");
  await eventually(async () => {
    const created = await api("POST", `/api/tickets/batch/create/${concertId}`, {
      token: admin,
      body: { quantity: tickets },
    });
    return created.status === 201;
  });
  return concertId;
}

const soldCount = (concertId: string) =>
  front.service.infra.prisma.ticket.count({ where: { concertId, status: "sold" } });

describe("a purchase retried with its Idempotency-Key, through the gateway", () => {
  it("reaches ticketing and comes back replayed, a header the browser may read; one ticket sold", async () => {
    const concertId = await concertOnSale(3);
    const buyer = front.tokenFor("viewer");
    const key = randomUUID();
    const buy = () =>
      api("POST", "/api/tickets/purchase", {
        token: buyer,
        body: { concert_id: concertId },
        headers: { "idempotency-key": key, origin: ORIGIN },
      });

    const first = await buy();
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const retry = await buy();
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("access-control-expose-headers")?.toLowerCase()).toContain(
      "idempotent-replayed",
    );
    expect(retry.body).toEqual(first.body);
    expect(await soldCount(concertId)).toBe(1);

    const otherBody = await api("POST", "/api/tickets/purchase", {
      token: buyer,
      body: { concert_id: randomUUID() },
      headers: { "idempotency-key": key },
    });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.detail).toMatch(/different request/);
  });

  it("sells one ticket to 10 simultaneous requests with one key", async () => {
    const concertId = await concertOnSale(10);
    const buyer = front.tokenFor("viewer");
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        api("POST", "/api/tickets/purchase", {
          token: buyer,
          body: { concert_id: concertId },
          headers: { "idempotency-key": key },
        }),
      ),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const sold = answers.filter((answer) => answer.status === 201);
    expect(new Set(sold.map((answer) => answer.body.id)).size).toBe(1);
    expect(await soldCount(concertId)).toBe(1);
  });
});
