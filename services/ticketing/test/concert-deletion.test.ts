import { randomUUID } from "node:crypto";
import { ConcertCreated, ConcertDeleted, ConcertUpdated } from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { publishEvent, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

const call: typeof ticketing.call = (...args) => ticketing.call(...args);

async function createTickets(concertId: string, quantity: number): Promise<{ id: string }[]> {
  const response = await call("POST", `/api/tickets/create/${concertId}`, admin, { quantity });
  expect(response.statusCode).toBe(201);
  return response.json();
}

/** Catalog announces the deletion; resolves once ticketing has applied it. */
async function catalogDeletes(concertId: string, version: number): Promise<void> {
  await publishEvent(ticketing.infra.nats, infra.subjectPrefix, ConcertDeleted, {
    concert_id: concertId,
    version,
  });
  await waitUntilHandled(ticketing.infra.nats, "ticketing", ConcertDeleted, infra.subjectPrefix);
}

const ticketsOf = (concertId: string) =>
  ticketing.infra.prisma.ticket.findMany({ where: { concertId } });

describe("when catalog deletes a concert", () => {
  it("removes its unsold tickets and refuses to create or sell any more", async () => {
    const concert = await ticketing.concert();
    await createTickets(concert.concert_id, 3);
    await catalogDeletes(concert.concert_id, 2);

    expect(await ticketsOf(concert.concert_id)).toEqual([]);
    const create = await call("POST", `/api/tickets/create/${concert.concert_id}`, admin);
    expect(create.statusCode).toBe(409);
    const buyer = ticketing.tokenFor("viewer");
    const purchase = await call("POST", "/api/tickets/purchase", buyer, {
      concert_id: concert.concert_id,
    });
    expect(purchase.statusCode).toBe(409);
  });

  it("keeps a ticket sold before the deletion arrived, and treats the concert as cancelled", async () => {
    const concert = await ticketing.concert();
    const [sold, unsold] = await createTickets(concert.concert_id, 2);
    const sale = { buyer_name: "Early Fan", buyer_email: "early@example.com" };
    expect((await call("POST", `/api/tickets/${sold?.id}/mark-sold`, admin, sale)).statusCode).toBe(
      200,
    );
    await catalogDeletes(concert.concert_id, 2);

    const left = await ticketsOf(concert.concert_id);
    expect(left.map((t) => [t.id, t.status])).toEqual([[sold?.id, "sold"]]);
    expect(left.map((t) => t.id)).not.toContain(unsold?.id);
    const copy = await ticketing.infra.prisma.concert.findUnique({
      where: { id: concert.concert_id },
    });
    expect(copy).toMatchObject({ status: "cancelled", version: 2 });
    expect(copy?.deletedAt).not.toBeNull();
  });

  it("is not brought back by an older snapshot delivered after the deletion", async () => {
    const concert = await ticketing.concert();
    await catalogDeletes(concert.concert_id, 3);
    await publishEvent(ticketing.infra.nats, infra.subjectPrefix, ConcertUpdated, {
      ...concert,
      version: 2,
      name: "Resurrected",
    });
    await waitUntilHandled(ticketing.infra.nats, "ticketing", ConcertUpdated, infra.subjectPrefix);

    const copy = await ticketing.infra.prisma.concert.findUnique({
      where: { id: concert.concert_id },
    });
    expect(copy).toMatchObject({ status: "cancelled", version: 3, name: "Test Concert" });
    expect(
      (await call("POST", `/api/tickets/create/${concert.concert_id}`, admin)).statusCode,
    ).toBe(409);
  });

  it("arriving before the concert's creation leaves a tombstone the creation cannot overwrite", async () => {
    const concertId = randomUUID();
    await catalogDeletes(concertId, 2);
    await publishEvent(ticketing.infra.nats, infra.subjectPrefix, ConcertCreated, {
      concert_id: concertId,
      version: 1,
      name: "Late Creation",
      artist: null,
      venue: "Venue",
      starts_at: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 10,
      ticket_price: null,
      status: "scheduled",
    });
    await waitUntilHandled(ticketing.infra.nats, "ticketing", ConcertCreated, infra.subjectPrefix);

    const copy = await ticketing.infra.prisma.concert.findUnique({ where: { id: concertId } });
    expect(copy).toMatchObject({ status: "cancelled", version: 2 });
    expect((await call("POST", `/api/tickets/create/${concertId}`, admin)).statusCode).toBe(409);
  });

  it("applied twice has the effect of once", async () => {
    const concert = await ticketing.concert();
    await createTickets(concert.concert_id, 2);
    await catalogDeletes(concert.concert_id, 2);
    await catalogDeletes(concert.concert_id, 2);
    expect(await ticketsOf(concert.concert_id)).toEqual([]);
  });
});
