import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestInfra, type TestInfra } from "@concert/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyMigrations,
  migrationHistory,
  rollbackLastMigration,
} from "../../src/database/index.js";
import { fixturePrismaDir, schemaShape } from "./helpers.js";

// The fixture's migrations name their schema ("fixture"), so every test gets a database of its own.
let infra: TestInfra;
beforeEach(async () => {
  infra = await startTestInfra();
});
afterEach(async () => {
  await infra.stop();
});

const shapeOf = (schema: string) => schemaShape(infra.databaseUrl, schema);

const target = (schema: string, prismaDir: string) => ({
  databaseUrl: infra.databaseUrl,
  schema,
  prismaDir,
});

describe("rolling back a migration, as alembic downgrade -1 does", () => {
  it("undoes the newest one with its down.sql; applying again gives the same schema", async () => {
    const fixture = target("fixture", fixturePrismaDir);
    await applyMigrations(fixture);
    const applied = await shapeOf("fixture");

    expect(await rollbackLastMigration(fixture)).toBe("20261102000000_widget_colour");
    const history = await migrationHistory(fixture);
    expect(history.map((m) => [m.name, m.status])).toEqual([
      ["20261101000000_init", "applied"],
      ["20261102000000_widget_colour", "rolled back"],
    ]);
    const columns = (await shapeOf("fixture")).columns.map((c) => c.column_name);
    expect(columns).not.toContain("colour");

    const again = await applyMigrations(fixture);
    expect(again.applied).toEqual(["20261102000000_widget_colour"]);
    expect(await shapeOf("fixture")).toEqual(applied);
    expect((await migrationHistory(fixture)).every((m) => m.status === "applied")).toBe(true);
  });

  it("goes back one migration per call, but keeps the first: its schema is never left without history", async () => {
    const fixture = target("fixture", fixturePrismaDir);
    await applyMigrations(fixture);
    await rollbackLastMigration(fixture);
    await expect(rollbackLastMigration(fixture)).rejects.toThrow(/first migration/);
    expect((await shapeOf("fixture")).columns.map((c) => c.column_name)).toEqual([
      "created_at",
      "id",
      "name",
    ]);
    await applyMigrations(fixture);
    expect((await migrationHistory(fixture)).map((m) => m.status)).toEqual(["applied", "applied"]);
  });

  it("refuses to roll back a migration that has no down.sql, changing nothing", async () => {
    const copy = mkdtempSync(join(tmpdir(), "no-down-"));
    cpSync(fixturePrismaDir, copy, { recursive: true });
    rmSync(join(copy, "migrations", "20261102000000_widget_colour", "down.sql"));
    const withoutDown = target("fixture", copy);
    await applyMigrations(withoutDown);
    const before = await shapeOf("fixture");
    await expect(rollbackLastMigration(withoutDown)).rejects.toThrow(/has no down\.sql/);
    expect(await shapeOf("fixture")).toEqual(before);
    expect((await migrationHistory(withoutDown)).map((m) => m.reversible)).toEqual([true, false]);
    rmSync(copy, { recursive: true, force: true });
  });
});
