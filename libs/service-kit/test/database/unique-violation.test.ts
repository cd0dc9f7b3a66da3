import { randomUUID } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyMigrations,
  connectionStringForSchema,
  createPgAdapter,
  isUniqueViolation,
} from "../../src/database/index.js";
import { fixturePrismaDir } from "./helpers.js";

describe("isUniqueViolation", () => {
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

  it("recognises node-postgres' error too, and nothing else", async () => {
    const client = new pg.Client({
      connectionString: connectionStringForSchema(infra.databaseUrl, "fixture"),
    });
    await client.connect();
    try {
      const error = await insertTwice((id) => client.query(INSERT, [id]));
      expect(isUniqueViolation(error, "widgets_pkey")).toBe(true);
      const other = await client.query("SELECT 1/0").catch((e: unknown) => e);
      expect(isUniqueViolation(other)).toBe(false);
      expect(isUniqueViolation(undefined)).toBe(false);
    } finally {
      await client.end();
    }
  });
});
