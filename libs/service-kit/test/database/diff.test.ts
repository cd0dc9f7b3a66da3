import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffMigrationSql } from "../../src/database/index.js";
import { fixturePrismaDir } from "./helpers.js";

const datamodel = readFileSync(join(fixturePrismaDir, "schema.prisma"), "utf8");

describe("diffMigrationSql", () => {
  it("yields CREATE TABLE SQL in the model's schema when starting from nothing, without a database", async () => {
    const sql = await diffMigrationSql(null, datamodel);

    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "fixture"');
    expect(sql).toContain('CREATE TYPE "fixture"."widget_colour"');
    expect(sql).toMatch(/CREATE TABLE "fixture"\."widgets" \(/);
  });

  it("yields only the change between two datamodels", async () => {
    const withStock = datamodel.replace(
      "  name      String\n",
      "  name      String\n  stock     Int @default(0)\n",
    );
    const sql = await diffMigrationSql(datamodel, withStock);

    expect(sql).toContain('ALTER TABLE "fixture"."widgets" ADD COLUMN');
    expect(sql).not.toContain("CREATE TABLE");
  });

  it("yields the down migration when swapped: the change undone, and DROPs back to nothing", async () => {
    const withStock = datamodel.replace(
      "  name      String\n",
      "  name      String\n  stock     Int @default(0)\n",
    );
    expect(await diffMigrationSql(withStock, datamodel)).toMatch(
      /ALTER TABLE "fixture"\."widgets" DROP COLUMN "stock"/,
    );
    const toNothing = await diffMigrationSql(datamodel, null);
    expect(toNothing).toContain('DROP TABLE "fixture"."widgets"');
    expect(toNothing).toContain('DROP TYPE "fixture"."widget_colour"');
  });

  it("yields no statement when the datamodel did not change", async () => {
    const sql = await diffMigrationSql(datamodel, datamodel);

    expect(sql.split("\n").filter((line) => line.trim() && !line.startsWith("--"))).toEqual([]);
  });

  it("reports an invalid datamodel as an error", async () => {
    await expect(diffMigrationSql(null, `${datamodel}\nmodel Broken {\n`)).rejects.toThrow();
  });
});
