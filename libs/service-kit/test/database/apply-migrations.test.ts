import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestInfra, type TestInfra } from "@concert/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations } from "../../src/database/index.js";
import {
  fixturePrismaDir,
  fixturesDir,
  query,
  schemasWithTable,
  secondPrismaDir,
} from "./helpers.js";

const FIXTURE_MIGRATIONS = ["20261101000000_init", "20261102000000_widget_colour"];

describe("applyMigrations", () => {
  let infra: TestInfra;
  beforeEach(async () => {
    infra = await startTestInfra();
  });
  afterEach(async () => {
    await infra.stop();
  });

  const migrate = (schema: string, prismaDir: string) =>
    applyMigrations({ databaseUrl: infra.databaseUrl, schema, prismaDir });

  it("applies every migration in name order and creates the tables in the service's schema", async () => {
    const result = await migrate("fixture", fixturePrismaDir);

    expect(result.applied).toEqual(FIXTURE_MIGRATIONS);
    expect(await schemasWithTable(infra.databaseUrl, "widgets")).toEqual(["fixture"]);
    const columns = await query<{ column_name: string }>(
      infra.databaseUrl,
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'fixture' AND table_name = 'widgets' ORDER BY column_name",
    );
    expect(columns.map((c) => c.column_name)).toEqual(["colour", "created_at", "id", "name"]);
  });

  it("records the history in _prisma_migrations inside the service's schema, not in public", async () => {
    await migrate("fixture", fixturePrismaDir);

    expect(await schemasWithTable(infra.databaseUrl, "_prisma_migrations")).toEqual(["fixture"]);
    const history = await query<{ migration_name: string; finished: boolean }>(
      infra.databaseUrl,
      "SELECT migration_name, finished_at IS NOT NULL AS finished FROM fixture._prisma_migrations ORDER BY migration_name",
    );
    expect(history).toEqual(
      FIXTURE_MIGRATIONS.map((migration_name) => ({ migration_name, finished: true })),
    );
  });

  it("applies nothing when run again on an up-to-date schema", async () => {
    await migrate("fixture", fixturePrismaDir);
    const again = await migrate("fixture", fixturePrismaDir);

    expect(again.applied).toEqual([]);
    const [count] = await query<{ n: number }>(
      infra.databaseUrl,
      "SELECT count(*)::int AS n FROM fixture._prisma_migrations",
    );
    expect(count?.n).toBe(FIXTURE_MIGRATIONS.length);
  });

  it("keeps a separate _prisma_migrations for each schema of the same database", async () => {
    await migrate("fixture", fixturePrismaDir);
    const second = await migrate("second", secondPrismaDir);

    expect(second.applied).toEqual(["20261101000000_init"]);
    expect(await schemasWithTable(infra.databaseUrl, "_prisma_migrations")).toEqual([
      "fixture",
      "second",
    ]);
    const names = await query<{ migration_name: string }>(
      infra.databaseUrl,
      "SELECT migration_name FROM second._prisma_migrations",
    );
    expect(names.map((r) => r.migration_name)).toEqual(["20261101000000_init"]);
  });

  it("lets two concurrent runs for one schema both succeed while the migrations are applied once", async () => {
    const results = await Promise.all([
      migrate("fixture", fixturePrismaDir),
      migrate("fixture", fixturePrismaDir),
    ]);

    const applied = results.map((r) => r.applied).sort((a, b) => b.length - a.length);
    expect(applied).toEqual([FIXTURE_MIGRATIONS, []]);
    const [count] = await query<{ n: number }>(
      infra.databaseUrl,
      "SELECT count(*)::int AS n FROM fixture._prisma_migrations",
    );
    expect(count?.n).toBe(FIXTURE_MIGRATIONS.length);
  });

  it("lets two processes starting at once both succeed while the migrations are applied once", async () => {
    const runChild = async () => {
      const child = join(fixturesDir, "apply-migrations-child.ts");
      const args = ["--import", "tsx", child, infra.databaseUrl, "fixture", fixturePrismaDir];
      const { stdout } = await promisify(execFile)(process.execPath, args);
      return JSON.parse(stdout) as { applied: string[] };
    };
    const results = await Promise.all([runChild(), runChild()]);

    const applied = results.map((r) => r.applied).sort((a, b) => b.length - a.length);
    expect(applied).toEqual([FIXTURE_MIGRATIONS, []]);
  });

  it("creates the service's schema when the database does not have it yet", async () => {
    const before = await query(
      infra.databaseUrl,
      "SELECT 1 FROM pg_namespace WHERE nspname = 'second'",
    );
    expect(before).toHaveLength(0);

    await migrate("second", secondPrismaDir);

    expect(await schemasWithTable(infra.databaseUrl, "gadgets")).toEqual(["second"]);
  });

  it("stops at a failing migration and, like migrate deploy, refuses to continue until it is resolved", async () => {
    const copy = mkdtempSync(join(tmpdir(), "broken-service-"));
    try {
      const prismaDir = join(copy, "prisma");
      cpSync(fixturePrismaDir, prismaDir, { recursive: true });
      mkdirSync(join(prismaDir, "migrations", "20261103000000_broken"));
      writeFileSync(
        join(prismaDir, "migrations", "20261103000000_broken", "migration.sql"),
        'ALTER TABLE "fixture"."missing" ADD COLUMN "x" INTEGER;',
      );

      await expect(migrate("fixture", prismaDir)).rejects.toThrow(/missing/);
      await expect(migrate("fixture", prismaDir)).rejects.toThrow(/failed migrations/);
      const failed = await query<{ migration_name: string }>(
        infra.databaseUrl,
        "SELECT migration_name FROM fixture._prisma_migrations WHERE finished_at IS NULL",
      );
      expect(failed.map((r) => r.migration_name)).toEqual(["20261103000000_broken"]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
