import { randomUUID } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyMigrations,
  connectionStringForSchema,
  createPgAdapter,
  createPgPool,
  isUniqueViolation,
  SqlPool,
} from "../../src/database/index.js";
import { fixturePrismaDir } from "./helpers.js";

let infra: TestInfra;
beforeAll(async () => {
  infra = await startTestInfra();
  await applyMigrations({
    databaseUrl: infra.databaseUrl,
    schema: "fixture",
    prismaDir: fixturePrismaDir,
  });
});
afterAll(async () => {
  await infra.stop();
});

/** A node-postgres client on the fixture schema, closed after `work`. */
async function withFixtureClient(work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({
    connectionString: connectionStringForSchema(infra.databaseUrl, "fixture"),
  });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

describe("createPgAdapter", () => {
  it("connects with the service's schema as search_path so unqualified tables resolve there", async () => {
    const adapter = await createPgAdapter(infra.databaseUrl, "fixture", { max: 1 }).connect();
    try {
      await adapter.executeRaw({
        sql: "INSERT INTO widgets (id, name) VALUES ($1::uuid, $2)",
        args: ["00000000-0000-4000-8000-000000000001", "sprocket"],
        argTypes: [
          { scalarType: "string", arity: "scalar" },
          { scalarType: "string", arity: "scalar" },
        ],
      });
      const result = await adapter.queryRaw({
        sql: "SELECT current_schema() AS s, name FROM widgets",
        args: [],
        argTypes: [],
      });
      expect(result.rows).toEqual([["fixture", "sprocket"]]);
      expect(adapter.getConnectionInfo().schemaName).toBe("fixture");
    } finally {
      await adapter.dispose();
    }
  });

  it("uses a URL that plain node-postgres also honours", () =>
    withFixtureClient(async (client) => {
      const { rows } = await client.query<{ search_path: string }>("SHOW search_path");
      expect(rows[0]?.search_path).toBe("fixture");
    }));
});

describe("SqlPool", () => {
  it("runs raw statements on the service's schema, each prepared once per connection by name", async () => {
    const pool = createPgPool(infra.databaseUrl, "fixture", { max: 1 });
    const sql = new SqlPool(pool);
    try {
      const text = "SELECT current_schema() AS s, $1::int + 1 AS n";
      expect(await sql.$queryRawUnsafe(text, 1)).toEqual([{ s: "fixture", n: 2 }]);
      expect(await sql.$queryRawUnsafe(text, 2)).toEqual([{ s: "fixture", n: 3 }]);
      const prepared = await sql.$queryRawUnsafe<{ statement: string }[]>(
        "SELECT statement FROM pg_prepared_statements",
      );
      expect(prepared.filter((p) => p.statement === text)).toHaveLength(1);
      const id = randomUUID();
      const insert = "INSERT INTO widgets (id, name) VALUES ($1::uuid, 'w')";
      expect(await sql.$executeRawUnsafe(insert, id)).toBe(1);
      const error = await sql.$executeRawUnsafe(insert, id).catch((e: unknown) => e);
      expect(isUniqueViolation(error, "widgets_pkey")).toBe(true);
    } finally {
      await pool.end();
    }
  });
});

describe("isUniqueViolation", () => {
  const insertTwice = async (insert: (id: string) => Promise<unknown>) => {
    const id = randomUUID();
    await insert(id);
    return insert(id).then(
      () => undefined,
      (error: unknown) => error,
    );
  };
  const INSERT = "INSERT INTO widgets (id, name) VALUES ($1::uuid, 'w')";

  it("recognises a duplicate key as Prisma reports it, by constraint", async () => {
    const adapter = await createPgAdapter(infra.databaseUrl, "fixture", { max: 1 }).connect();
    try {
      const text = { scalarType: "string", arity: "scalar" } as const;
      const error = await insertTwice((id) =>
        adapter.executeRaw({ sql: INSERT, args: [id], argTypes: [text] }),
      );
      // Prisma's client puts the adapter's error under meta.driverAdapterError.
      const prismaError = { code: "P2010", meta: { driverAdapterError: error } };
      expect(isUniqueViolation(prismaError)).toBe(true);
      expect(isUniqueViolation(prismaError, "widgets_pkey")).toBe(true);
      expect(isUniqueViolation(prismaError, "scans_pkey")).toBe(false);
    } finally {
      await adapter.dispose();
    }
  });

  it("recognises node-postgres' error too, and nothing else", () =>
    withFixtureClient(async (client) => {
      const error = await insertTwice((id) => client.query(INSERT, [id]));
      expect(isUniqueViolation(error, "widgets_pkey")).toBe(true);
      const other = await client.query("SELECT 1/0").catch((e: unknown) => e);
      expect(isUniqueViolation(other)).toBe(false);
      expect(isUniqueViolation(undefined)).toBe(false);
    }));
});
