import { randomUUID } from "node:crypto";
import { ConcertDeleted, ConcertUpdated, TicketRefunded, TicketSold } from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { outboxEvents, publishEvent, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { futureIso, startTestCatalog } from "./helper.js";

const { service: catalog, infra } = startForFile(startTestCatalog);
let admin: string;
let viewer: string;

beforeAll(() => {
  admin = catalog.tokenFor("admin");
  viewer = catalog.tokenFor("viewer");
});

/** What the original FastAPI system's client sends to create a concert. */
const seedConcert = (overrides: Record<string, unknown> = {}) => ({
  name: "Jazz Evening",
  date: futureIso(20),
  venue: "Blue Hall",
  description: "Quartet",
  ...overrides,
});

const call: typeof catalog.call = (...args) => catalog.call(...args);

async function created(body: object = seedConcert()): Promise<{ id: string; date: string }> {
  const response = await call("POST", "/api/concerts/", admin, body);
  expect(response.statusCode).toBe(201);
  return response.json();
}

/**
 * Runs the rest of the test with the process in New York's zone, where JavaScript reads a text
 * without an offset as local time: a start must still be read as UTC, whatever the zone.
 */
function inAnotherZone(): void {
  const zone = process.env.TZ;
  process.env.TZ = "America/New_York";
  onTestFinished(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
}

/** The newest outbox row with this subject: what the last such command announced. */
async function lastAnnounced(subject: string): Promise<Record<string, unknown>> {
  const row = (await outboxEvents(catalog.infra.prisma, subject)).at(-1);
  if (!row) throw new Error(`nothing announced on ${subject}`);
  return row.envelope.payload;
}

/** What ticketing announces when it sells a ticket of the concert. */
const soldPayload = (concertId: string, ticketId: string) => ({
  ticket_id: ticketId,
  concert_id: concertId,
  ticket_number: "K7M2-9QXA",
  status: "sold" as const,
  code_version: 1,
  revision: 2,
  owner_id: null,
  price: 20,
  buyer_email: "fan@example.com",
  sold_at: new Date().toISOString(),
});

/** Ticketing announces a sale of a ticket of the concert; resolves once catalog applied it. */
async function ticketingSold(concertId: string, ticketId: string = randomUUID()): Promise<string> {
  await publishEvent(
    catalog.infra.nats,
    infra.subjectPrefix,
    TicketSold,
    soldPayload(concertId, ticketId),
    // A fresh message id: a repeated sale must get past the broker's dedupe to test catalog's own.
    { messageId: randomUUID() },
  );
  await waitUntilHandled(catalog.infra.nats, "catalog", TicketSold, infra.subjectPrefix);
  return ticketId;
}

/** Ticketing announces it refunded a ticket of the concert; resolves once catalog applied it. */
async function ticketingRefunded(concertId: string, ticketId: string): Promise<void> {
  await publishEvent(catalog.infra.nats, infra.subjectPrefix, TicketRefunded, {
    ticket_id: ticketId,
    concert_id: concertId,
    ticket_number: "K7M2-9QXA",
    status: "refunded",
    code_version: 1,
    revision: 3,
    owner_id: null,
    refund_id: randomUUID(),
    amount: 20,
  });
  await waitUntilHandled(catalog.infra.nats, "catalog", TicketRefunded, infra.subjectPrefix);
}

describe("a client written for the original system", () => {
  it("creates a concert with name, date, venue and description, and reads concert.date back", async () => {
    const date = futureIso(20);
    const response = await call("POST", "/api/concerts/", admin, seedConcert({ date }));
    expect(response.statusCode).toBe(201);
    const concert = response.json();
    expect(concert).toMatchObject({
      name: "Jazz Evening",
      venue: "Blue Hall",
      description: "Quartet",
      date,
      starts_at: date,
      artist: null,
      capacity: null,
      ticket_price: null,
      status: "scheduled",
    });
    const read = await call("GET", `/api/concerts/${concert.id}`, viewer);
    expect(read.json().date).toBe(date);
  });

  it("may send our starts_at instead of date, or both when they name the same instant", async () => {
    const start = futureIso(9);
    expect((await created(seedConcert({ date: undefined, starts_at: start }))).date).toBe(start);
    const same = new Date(start).toISOString().replace("Z", "+00:00");
    expect((await created(seedConcert({ date: same, starts_at: start }))).date).toBe(start);
  });

  it("may send a start without an offset, as FastAPI took it (an HTML datetime-local value), read as UTC", async () => {
    inAnotherZone();
    const utc = futureIso(11);
    const minutes = utc.slice(0, 16); // 2026-12-11T20:00
    const concert = await created(seedConcert({ date: minutes }));
    expect(concert.date).toBe(`${minutes}:00.000Z`);
    // The same instant with and without an offset agree; a PUT and a PATCH take one too.
    expect((await created(seedConcert({ date: minutes, starts_at: `${minutes}:00Z` }))).date).toBe(
      concert.date,
    );
    const later = futureIso(12).slice(0, 19); // seconds, no offset
    const put = await call(
      "PUT",
      `/api/concerts/${concert.id}`,
      admin,
      seedConcert({ date: later }),
    );
    expect(put.json().date).toBe(`${later}.000Z`);
    const patch = await call("PATCH", `/api/concerts/${concert.id}`, admin, { starts_at: minutes });
    expect(patch.json().starts_at).toBe(`${minutes}:00.000Z`);
  });

  it("may send a start in pydantic's other forms: a space before the time, a bare day, Unix time", async () => {
    inAnotherZone();
    const minute = 60_000;
    const utc = new Date(Math.floor(Date.parse(futureIso(13)) / minute) * minute).toISOString();
    const west = new Date(Date.parse(utc) - 90 * minute).toISOString();
    const east = new Date(Date.parse(utc) + 330 * minute).toISOString();
    const seconds = Date.parse(utc) / 1000;
    const accepted: Array<[string | number, string]> = [
      [`${utc.slice(0, 10)} ${utc.slice(11, 19)}`, utc], // Python's str(datetime)
      [`${utc.slice(0, 10)}T${utc.slice(11, 16)}Z`, utc],
      [`${west.slice(0, 10)} ${west.slice(11, 16)}-0130`, utc], // an offset without a colon
      [`${east.slice(0, 10)}T${east.slice(11, 19)}.5+05:30`, utc.replace(".000", ".500")],
      [utc.slice(0, 10), `${utc.slice(0, 10)}T00:00:00.000Z`], // a day: its midnight
      [seconds, utc], // Unix time in seconds
      [seconds * 1000, utc], // beyond 2e10: milliseconds, as pydantic reads them
      [String(seconds), utc],
    ];
    for (const [date, answered] of accepted) {
      expect((await created(seedConcert({ date }))).date, `date ${date}`).toBe(answered);
    }
    // Still a start in the future, and still a date that exists.
    for (const date of [
      new Date(Date.now() - 86_400_000).toISOString().slice(0, 16).replace("T", " "),
      seconds - 30 * 86_400,
      `${utc.slice(0, 4)}-02-30 20:00`,
      `${utc.slice(0, 10)}  20:00`,
      "next friday",
      "",
    ]) {
      const refused = await call("POST", "/api/concerts/", admin, seedConcert({ date }));
      expect(refused.statusCode, `date ${JSON.stringify(date)}`).toBe(422);
      expect(refused.json().detail[0].loc).toEqual(["body", "date"]);
    }
  });

  it("gets 422 naming the field when no start is sent, or date and starts_at disagree", async () => {
    const missing = await call("POST", "/api/concerts/", admin, seedConcert({ date: undefined }));
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail[0].loc).toEqual(["body", "date"]);
    const disagree = await call(
      "POST",
      "/api/concerts/",
      admin,
      seedConcert({ date: futureIso(3), starts_at: futureIso(4) }),
    );
    expect(disagree.statusCode).toBe(422);
    expect(disagree.json().detail[0].loc).toEqual(["body", "starts_at"]);
  });
});

describe("replacing a concert with PUT", () => {
  it("sets every field sent, clears the optional ones not sent, bumps the version and announces it", async () => {
    const concert = await created(
      seedConcert({ artist: "Trio", capacity: 50, ticket_price: 15, description: "Old" }),
    );
    const date = futureIso(40);
    const response = await call("PUT", `/api/concerts/${concert.id}`, admin, {
      name: "Jazz Night",
      date,
      venue: "Red Hall",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      name: "Jazz Night",
      venue: "Red Hall",
      date,
      starts_at: date,
      artist: null,
      capacity: null,
      ticket_price: null,
      description: null,
    });
    expect(await lastAnnounced(ConcertUpdated.subject)).toMatchObject({
      concert_id: concert.id,
      version: 2,
      capacity: null,
      artist: null,
    });
  });

  it("requires the same fields as creating (422), an admin (403) and a known concert (404)", async () => {
    const concert = await created();
    const url = `/api/concerts/${concert.id}`;
    expect(
      (await call("PUT", url, admin, { name: "No venue", date: futureIso(5) })).statusCode,
    ).toBe(422);
    expect((await call("PUT", url, viewer, seedConcert())).statusCode).toBe(403);
    const unknown = await call("PUT", `/api/concerts/${randomUUID()}`, admin, seedConcert());
    expect(unknown.statusCode).toBe(404);
  });

  it("leaves PATCH partial: it may move the date or lift the capacity limit with null", async () => {
    const concert = await created(seedConcert({ artist: "Trio", capacity: 50 }));
    const date = futureIso(12);
    const response = await call("PATCH", `/api/concerts/${concert.id}`, admin, {
      date,
      capacity: null,
    });
    expect(response.json()).toMatchObject({
      date,
      capacity: null,
      artist: "Trio",
      name: "Jazz Evening",
    });
  });
});

describe("deleting a concert", () => {
  it("removes one without sold tickets, answers {message, concert_id} and announces ConcertDeleted", async () => {
    const concert = await created();
    const response = await call("DELETE", `/api/concerts/${concert.id}`, admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: "Concert deleted successfully",
      concert_id: concert.id,
    });
    expect((await call("GET", `/api/concerts/${concert.id}`, viewer)).statusCode).toBe(404);
    expect((await call("DELETE", `/api/concerts/${concert.id}`, admin)).statusCode).toBe(404);
    // Above every snapshot's version: consumers' tombstones outrank any late snapshot.
    expect(await lastAnnounced(ConcertDeleted.subject)).toEqual({
      concert_id: concert.id,
      version: 2,
    });
  });

  it("refuses with 409 pointing to cancel once ticketing announced a sale, counting a repeated sale once", async () => {
    const concert = await created();
    const ticket = await ticketingSold(concert.id);
    await ticketingSold(concert.id, ticket);
    const response = await call("DELETE", `/api/concerts/${concert.id}`, admin);
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain("1 sold ticket");
    expect(response.json().detail).toContain(`POST /api/concerts/${concert.id}/cancel`);
    expect((await call("GET", `/api/concerts/${concert.id}`, viewer)).statusCode).toBe(200);
  });

  it("counts a burst of sales each once, applied in shared transactions", async () => {
    const concert = await created();
    const tickets = Array.from({ length: 60 }, () => randomUUID());
    // Published at once: they queue behind the consumer's busy transactions and share them.
    await Promise.all(
      tickets.map((ticketId) =>
        publishEvent(
          catalog.infra.nats,
          infra.subjectPrefix,
          TicketSold,
          soldPayload(concert.id, ticketId),
        ),
      ),
    );
    await waitUntilHandled(catalog.infra.nats, "catalog", TicketSold, infra.subjectPrefix);
    expect((await call("DELETE", `/api/concerts/${concert.id}`, admin)).json().detail).toContain(
      "60 sold ticket(s)",
    );
    // Fewer transactions than sales: the batch path (one processed_events insert for all its
    // messages, through Prisma) applied them.
    const transactions = await catalog.infra.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(DISTINCT xmin::text)::int AS n FROM sold_tickets WHERE concert_id = $1::uuid`,
      concert.id,
    );
    expect(transactions[0]?.n).toBeLessThan(60);
  });

  it("deletes a concert whose every sale was refunded, even when the refund arrives before the sale", async () => {
    const concert = await created();
    const refundedFirst = randomUUID();
    await ticketingRefunded(concert.id, refundedFirst);
    await ticketingSold(concert.id, refundedFirst);
    const sold = await ticketingSold(concert.id);
    expect((await call("DELETE", `/api/concerts/${concert.id}`, admin)).json().detail).toContain(
      "1 sold ticket",
    );
    await ticketingRefunded(concert.id, sold);
    expect((await call("DELETE", `/api/concerts/${concert.id}`, admin)).statusCode).toBe(200);
  });

  it("deletes a cancelled concert that sold nothing; is for admins only", async () => {
    const concert = await created();
    expect((await call("DELETE", `/api/concerts/${concert.id}`, viewer)).statusCode).toBe(403);
    await call("POST", `/api/concerts/${concert.id}/cancel`, admin);
    expect((await call("DELETE", `/api/concerts/${concert.id}`, admin)).statusCode).toBe(200);
  });
});
