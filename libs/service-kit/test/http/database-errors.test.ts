import { randomBytes } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { classifyDatabaseError, createPgAdapter } from "../../src/database/index.js";
import { buildTestApp } from "./support.js";

/** Resolves once `size` callers arrived (or after 10 s, so a broken test fails rather than hangs). */
function barrier(size: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 10_000).unref();
  });
  return () => {
    arrived += 1;
    if (arrived === size) open();
    return opened;
  };
}

let infra: TestInfra;
let pool: pg.Pool;
let kit: Awaited<ReturnType<typeof buildTestApp>>;
let arrive = barrier(1);

/** One transaction on its own pooled connection, rolled back if `work` throws. */
async function transaction(isolation: string, work: (client: pg.PoolClient) => Promise<void>) {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  infra = await startTestInfra();
  pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 25 });
  // Dropping the test database at the end ends idle connections that are still closing.
  pool.on("error", () => undefined);
  await pool.query(`
    CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL);
    INSERT INTO counters VALUES (1, 0), (2, 0);
    CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL UNIQUE);`);
  kit = await buildTestApp();
  const { app } = kit;
  // Read, wait for every other caller to have read too, then write: a textbook 40001.
  app.post("/counter", async () => {
    await transaction("SERIALIZABLE", async (client) => {
      await client.query("SELECT value FROM counters WHERE id = 1");
      await arrive();
      await client.query("UPDATE counters SET value = value + 1 WHERE id = 1");
    });
    return { ok: true };
  });
  // Two callers lock the same two rows in opposite orders: Postgres kills one (40P01).
  app.post(
    "/swap/:first",
    { schema: { params: z.object({ first: z.coerce.number().int() }) } },
    async (request) => {
      const first = request.params.first;
      await transaction("READ COMMITTED", async (client) => {
        await client.query("UPDATE counters SET value = value + 1 WHERE id = $1", [first]);
        await arrive();
        await client.query("UPDATE counters SET value = value + 1 WHERE id = $1", [3 - first]);
      });
      return { ok: true };
    },
  );
  // No schema on purpose: what reaches Postgres when a route forgot to declare its body.
  app.post("/notes", async (request) => {
    await pool.query("INSERT INTO notes (body) VALUES ($1)", [
      (request.body as { text: string }).text,
    ]);
    return { ok: true };
  });
  app.get("/unreachable", async () => {
    const closed = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none" });
    try {
      await closed.query("SELECT 1");
    } finally {
      await closed.end();
    }
  });
  await app.ready();
});
afterAll(async () => {
  await kit?.app.close();
  await pool?.end();
  await infra?.stop();
});

const post = (url: string, payload: object = {}) =>
  kit.app.inject({ method: "POST", url, payload });

describe("retryable database conflicts", () => {
  it("20 concurrent SERIALIZABLE read-then-write requests: each 200 or 503 with Retry-After, never 500", async () => {
    for (let round = 0; round < 3; round++) {
      arrive = barrier(20);
      const before = await pool.query("SELECT value FROM counters WHERE id = 1");
      const responses = await Promise.all(Array.from({ length: 20 }, () => post("/counter")));
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      const refused = responses.filter((response) => response.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) {
        expect(response.headers["retry-after"]).toBe("1");
        expect(response.json().detail).toMatch(/retry/);
      }
      // Every 200 counted once, every 503 changed nothing: retrying it is safe.
      const after = await pool.query("SELECT value FROM counters WHERE id = 1");
      expect(after.rows[0].value - before.rows[0].value).toBe(20 - refused.length);
    }
  });

  it("a deadlock answers 503 with Retry-After to the request Postgres chose, 200 to the other", async () => {
    arrive = barrier(2);
    const responses = await Promise.all([post("/swap/1"), post("/swap/2")]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 503]);
    const refused = responses.find((response) => response.statusCode === 503);
    expect(refused?.headers["retry-after"]).toBe("1");
    expect(refused?.json().detail).toEqual(expect.any(String));
  });

  it("a database that refuses connections answers 503 with Retry-After", async () => {
    const response = await kit.app.inject({ method: "GET", url: "/unreachable" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json().detail).toMatch(/retry/);
  });
});

describe("values Postgres refuses that slipped past validation", () => {
  it("NUL in text and a row too big for its index answer 422 with a detail, never 500", async () => {
    const nul = await post("/notes", { text: "a\u0000b" });
    expect(nul.statusCode).toBe(422);
    expect(nul.json().detail).toMatch(/cannot store/);
    // Random hex does not compress: the unique index's entry exceeds what a btree page holds.
    const huge = await post("/notes", { text: randomBytes(6_000).toString("hex") });
    expect(huge.statusCode).toBe(422);
    expect(huge.json().detail).toMatch(/too large/);
    expect(JSON.stringify(huge.json())).not.toMatch(/notes_body_key|index/);
  });
});

describe("classifyDatabaseError, on errors as Prisma's pg adapter reports them", () => {
  it("sees a real serialization failure through the adapter as a conflict", async () => {
    const adapter = await createPgAdapter(infra.databaseUrl, "public", { max: 2 }).connect();
    const text = { scalarType: "int", arity: "scalar" } as const;
    const update = {
      sql: "UPDATE counters SET value = value + 1 WHERE id = $1",
      args: [2],
      argTypes: [text],
    };
    try {
      const first = await adapter.startTransaction("SERIALIZABLE");
      const second = await adapter.startTransaction("SERIALIZABLE");
      await first.queryRaw({ sql: "SELECT value FROM counters", args: [], argTypes: [] });
      await second.queryRaw({ sql: "SELECT value FROM counters", args: [], argTypes: [] });
      await first.executeRaw(update);
      const blocked = second.executeRaw(update).then(
        () => undefined,
        (error: unknown) => error,
      );
      await first.executeRaw({ sql: "COMMIT", args: [], argTypes: [] });
      await first.commit();
      const error = await blocked;
      await second.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] }).catch(() => undefined);
      await second.rollback();
      // How Prisma's client hands it on: P2034 for model queries, P2010 for raw ones.
      for (const code of ["P2034", "P2010"]) {
        expect(classifyDatabaseError({ code, meta: { driverAdapterError: error } })).toMatchObject({
          status: 503,
          reason: expect.stringMatching(/serializ/),
        });
      }
    } finally {
      await adapter.dispose();
    }
  });

  it("sees a conflict found at COMMIT, where the adapter's own error arrives unwrapped", async () => {
    const adapter = await createPgAdapter(infra.databaseUrl, "public", { max: 2 }).connect();
    const run = (tx: { executeRaw: typeof adapter.executeRaw }, sql: string) =>
      tx.executeRaw({ sql, args: [], argTypes: [] });
    try {
      // Write skew: each reads both rows and writes one; SERIALIZABLE refuses the second COMMIT.
      const first = await adapter.startTransaction("SERIALIZABLE");
      const second = await adapter.startTransaction("SERIALIZABLE");
      await first.queryRaw({ sql: "SELECT sum(value) FROM counters", args: [], argTypes: [] });
      await second.queryRaw({ sql: "SELECT sum(value) FROM counters", args: [], argTypes: [] });
      await run(first, "UPDATE counters SET value = value + 1 WHERE id = 1");
      await run(second, "UPDATE counters SET value = value + 1 WHERE id = 2");
      await run(first, "COMMIT");
      await first.commit();
      const error = await run(second, "COMMIT").then(
        () => undefined,
        (failure: unknown) => failure,
      );
      await second.rollback();
      expect(error).toMatchObject({ name: "DriverAdapterError" });
      expect(classifyDatabaseError(error)).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    } finally {
      await adapter.dispose();
    }
  });

  it("leaves everything else to be a 500", () => {
    expect(classifyDatabaseError(new Error("boom"))).toBeUndefined();
    expect(classifyDatabaseError({ code: "P2002" })).toBeUndefined();
    expect(classifyDatabaseError({ code: "23505", severity: "ERROR" })).toBeUndefined();
    expect(classifyDatabaseError(null)).toBeUndefined();
  });
});
