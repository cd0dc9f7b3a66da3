import { createPgAdapter, isTransientError } from "@concert/service-kit";
import { startForFile, startTcpProxy, type TestInfra, withClient } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { PrismaClient } from "../src/generated/prisma/client.js";

// The event consumer retries a transient error forever and dead-letters a permanent one, so what
// counts as transient is checked here against errors produced for real through a service's own
// Prisma client and driver adapter (the kit has no Prisma client of its own).
const SCHEMA = "transient_probe";

async function open(infra: TestInfra) {
  await withClient(infra.databaseUrl, (client) =>
    client.query(
      `CREATE SCHEMA ${SCHEMA}; CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, v int NOT NULL);
       INSERT INTO ${SCHEMA}.t VALUES (1, 0), (2, 0)`,
    ),
  );
  const postgres = new URL(infra.databaseUrl);
  const proxy = await startTcpProxy({
    target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
  });
  const prisma = (url: string, max: number, maxWait = 2_000) =>
    new PrismaClient({
      adapter: createPgAdapter(url, SCHEMA, { max }),
      transactionOptions: { maxWait, timeout: 5_000 },
    });
  const clients = {
    direct: prisma(infra.databaseUrl, 4),
    proxied: prisma(proxy.rewrite(infra.databaseUrl), 2),
    single: prisma(infra.databaseUrl, 1, 200),
    nowhere: prisma("postgres://postgres@127.0.0.1:1/nowhere", 1),
  };
  return {
    ...clients,
    proxy,
    async close() {
      for (const client of Object.values(clients)) await client.$disconnect().catch(() => {});
      await proxy.close();
    },
  };
}

const { service: db } = startForFile(open);

const failure = (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error("expected a failure");
    },
    (err: unknown) => err,
  );
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("transient database errors, as Prisma's pg adapter raises them", () => {
  it("a refused connection, a connection dropped mid-transaction, a deadlock, a serialization failure and an exhausted pool are transient", async () => {
    const refused = await failure(
      db.nowhere.$transaction((tx) => tx.$executeRawUnsafe("SELECT 1")),
    );
    const dropped = await failure(
      db.proxied.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("UPDATE t SET v = v + 1 WHERE id = 1");
        await db.proxy.refuse();
        await tx.$executeRawUnsafe("UPDATE t SET v = v + 1 WHERE id = 2");
      }),
    );
    await db.proxy.accept();
    const crossed = (first: number, second: number) =>
      db.direct.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("UPDATE t SET v = v + 1 WHERE id = $1", first);
        await pause(300);
        await tx.$executeRawUnsafe("UPDATE t SET v = v + 1 WHERE id = $1", second);
      });
    const deadlocked = await Promise.allSettled([crossed(1, 2), crossed(2, 1)]);
    const serializable = () =>
      db.direct.$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe("SELECT sum(v) FROM t");
          await pause(300);
          await tx.$executeRawUnsafe("UPDATE t SET v = v + 1 WHERE id = 1");
        },
        { isolationLevel: "Serializable" },
      );
    const serialized = await Promise.allSettled([serializable(), serializable()]);
    const holding = db.single.$transaction(() => pause(1_000), { timeout: 5_000 });
    const exhausted = await failure(
      db.single.$transaction((tx) => tx.$executeRawUnsafe("SELECT 1")),
    );
    await holding;
    const rejection = (results: PromiseSettledResult<unknown>[]) =>
      results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;

    const cases = {
      refused,
      dropped,
      deadlock: rejection(deadlocked),
      serialization: rejection(serialized),
      exhausted,
    };
    expect(cases).toMatchObject({
      refused: { code: "P1001" },
      dropped: { meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } } },
      deadlock: { meta: { driverAdapterError: { cause: { originalCode: "40P01" } } } },
      serialization: { meta: { driverAdapterError: { cause: { originalCode: "40001" } } } },
      exhausted: { code: "P2028" },
    });
    for (const [name, error] of Object.entries(cases))
      expect({ name, transient: isTransientError(error) }).toEqual({ name, transient: true });
  });

  it("a constraint violation and a bad statement are permanent", async () => {
    const duplicate = await failure(
      db.direct.$transaction((tx) => tx.$executeRawUnsafe("INSERT INTO t VALUES (1, 0)")),
    );
    const badColumn = await failure(
      db.direct.$transaction((tx) => tx.$executeRawUnsafe("SELECT nope FROM t")),
    );
    expect(isTransientError(duplicate)).toBe(false);
    expect(isTransientError(badColumn)).toBe(false);
  });
});
