import { ConcertCancelled, ConcertCreated, ConcertUpdated } from "@concert/contracts";
import { streamNames } from "@concert/service-kit";
import { outboxEvents, startForFile } from "@concert/testing";
import { jetstream } from "@nats-io/jetstream";
import { beforeAll, describe, expect, it } from "vitest";
import { futureIso, startTestCatalog } from "./helper.js";

const { service: catalog, infra } = startForFile(startTestCatalog);
let admin: string;
let viewer: string;

beforeAll(() => {
  admin = catalog.tokenFor("admin");
  viewer = catalog.tokenFor("viewer");
});

const concert = (overrides: Record<string, unknown> = {}) => ({
  name: "Summer Night",
  artist: "The Band",
  venue: "Arena",
  starts_at: futureIso(30),
  capacity: 100,
  ticket_price: 49.5,
  ...overrides,
});

const call: typeof catalog.call = (...args) => catalog.call(...args);

describe("creating concerts", () => {
  it("lets an admin create a concert and announces ConcertCreated", async () => {
    const response = await call(
      "POST",
      "/api/concerts/",
      admin,
      concert({ description: "Open air" }),
    );
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({
      name: "Summer Night",
      capacity: 100,
      ticket_price: 49.5,
      status: "scheduled",
      description: "Open air",
    });

    const row = await lastOutboxEvent();
    expect(row.subject).toBe(ConcertCreated.subject);
    expect(row.payload.concert_id).toBe(created.id);
  });

  it("refuses a viewer with 403 and an anonymous caller with 401", async () => {
    expect((await call("POST", "/api/concerts/", viewer, concert())).statusCode).toBe(403);
    expect((await call("POST", "/api/concerts/", undefined, concert())).statusCode).toBe(401);
  });

  it("checks the role before the body: a viewer's invalid body is 403, not the schema's 422", async () => {
    const response = await call("POST", "/api/concerts/", viewer, { capacity: "many" });
    expect(response.statusCode).toBe(403);
    expect(JSON.stringify(response.json())).not.toContain("capacity");
    expect((await call("POST", "/api/concerts/", undefined, { capacity: "many" })).statusCode).toBe(
      401,
    );
  });

  it("refuses a capacity below 1, a start in the past and a wrong type with 422", async () => {
    for (const body of [
      concert({ capacity: 0 }),
      concert({ starts_at: new Date(Date.now() - 60_000).toISOString() }),
      concert({ capacity: "many" }),
    ]) {
      const response = await call("POST", "/api/concerts/", admin, body);
      expect(response.statusCode).toBe(422);
      expect(Array.isArray(response.json().detail)).toBe(true);
    }
  });
});

describe("fields the API does not know", () => {
  it("are ignored, never applied, as FastAPI does: the concert is created as if they were absent", async () => {
    const response = await call(
      "POST",
      "/api/concerts/",
      admin,
      concert({ status: "cancelled", version: 99, id: "00000000-0000-4000-8000-000000000000" }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ status: "scheduled" });
    expect(response.json().id).not.toBe("00000000-0000-4000-8000-000000000000");
  });
});

describe("reading concerts", () => {
  it("lists upcoming concerts soonest first for any signed-in user, with limit and offset", async () => {
    const create = async (name: string, days: number) =>
      (
        await call("POST", "/api/concerts/", admin, concert({ name, starts_at: futureIso(days) }))
      ).json();
    const later = await create("Later", 300);
    const sooner = await create("Sooner", 1);
    const list = await call("GET", "/api/concerts/?limit=100", viewer);
    expect(list.statusCode).toBe(200);
    const ids = list.json().map((c: { id: string }) => c.id);
    expect(ids.indexOf(sooner.id)).toBeLessThan(ids.indexOf(later.id));
    const page = await call("GET", "/api/concerts/?limit=1&offset=0", viewer);
    expect(page.json()).toHaveLength(1);
    expect(page.json()[0].id).toBe(sooner.id);
    expect((await call("GET", "/api/concerts/?limit=0", viewer)).statusCode).toBe(422);
  });

  it("returns one concert by id, 404 for an unknown id and 422 for a malformed one", async () => {
    const created = (await call("POST", "/api/concerts/", admin, concert())).json();
    expect((await call("GET", `/api/concerts/${created.id}`, viewer)).json().id).toBe(created.id);
    const missing = await call("GET", "/api/concerts/00000000-0000-4000-8000-000000000000", viewer);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: "Concert not found" });
    expect((await call("GET", "/api/concerts/not-a-uuid", viewer)).statusCode).toBe(422);
  });
});

describe("changing and cancelling concerts", () => {
  it("applies a partial update, bumps the version and announces ConcertUpdated", async () => {
    const created = (await call("POST", "/api/concerts/", admin, concert())).json();
    const response = await call("PATCH", `/api/concerts/${created.id}`, admin, {
      venue: "Stadium",
      capacity: 500,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      venue: "Stadium",
      capacity: 500,
      name: "Summer Night",
    });
    const row = await lastOutboxEvent();
    expect(row.subject).toBe(ConcertUpdated.subject);
    expect(row.payload.version).toBe(2);
  });

  it("cancels once: a second cancel or a change afterwards is a 409", async () => {
    const created = (await call("POST", "/api/concerts/", admin, concert())).json();
    const cancelled = await call("POST", `/api/concerts/${created.id}/cancel`, admin);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe("cancelled");
    const row = await lastOutboxEvent();
    expect(row.subject).toBe(ConcertCancelled.subject);
    expect((await call("POST", `/api/concerts/${created.id}/cancel`, admin)).statusCode).toBe(409);
    expect(
      (await call("PATCH", `/api/concerts/${created.id}`, admin, { name: "X" })).statusCode,
    ).toBe(409);
    expect((await call("POST", `/api/concerts/${created.id}/cancel`, viewer)).statusCode).toBe(403);
  });

  it("refuses an empty update", async () => {
    const created = (await call("POST", "/api/concerts/", admin, concert())).json();
    expect((await call("PATCH", `/api/concerts/${created.id}`, admin, {})).statusCode).toBe(422);
  });
});

describe("events on NATS", () => {
  it("keeps the kit's outbox and inbox in its schema, since it consumes ticketing's sales", async () => {
    const tables = await catalog.infra.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'catalog'",
    );
    const names = tables.map((table) => table.name);
    expect(names).toContain("outbox_events");
    expect(names).toContain("processed_events");
  });

  it("publishes ConcertCreated to JetStream with the event id as message id", async () => {
    const created = (
      await call("POST", "/api/concerts/", admin, concert({ name: "On the wire" }))
    ).json();
    const js = jetstream(catalog.infra.nats);
    const subject = `${infra.subjectPrefix}${ConcertCreated.subject}`;
    const deadline = Date.now() + 5_000;
    let found: { payload: { concert_id: string } } | undefined;
    while (!found && Date.now() < deadline) {
      const message = await js.streams
        .get(streamNames(infra.subjectPrefix).events)
        .then((stream) => stream.getMessage({ last_by_subj: subject }))
        .catch(() => null);
      const envelope = message?.json<{ id: string; payload: { concert_id: string } }>();
      if (envelope && envelope.payload.concert_id === created.id) {
        expect(message?.header?.get("Nats-Msg-Id")).toBe(envelope.id);
        found = envelope;
      } else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(found?.payload.concert_id).toBe(created.id);
  });
});

/** The newest row of catalog's outbox: what the last command announced. */
async function lastOutboxEvent(): Promise<{ subject: string; payload: Record<string, unknown> }> {
  const row = (await outboxEvents(catalog.infra.prisma)).at(-1);
  if (!row) throw new Error("catalog's outbox is empty");
  return { subject: row.subject, payload: row.envelope.payload };
}
