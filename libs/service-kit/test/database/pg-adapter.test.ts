import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyMigrations,
  connectionStringForSchema,
  createPgAdapter,
} from "../../src/database/index.js";
import { fixturePrismaDir } from "./helpers.js";

describe("createPgAdapter", () => {
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

  it("uses a URL that plain node-postgres also honours", async () => {
    const client = new pg.Client({
      connectionString: connectionStringForSchema(infra.databaseUrl, "fixture"),
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ search_path: string }>("SHOW search_path");
      expect(rows[0]?.search_path).toBe("fixture");
    } finally {
      await client.end();
    }
  });
});
