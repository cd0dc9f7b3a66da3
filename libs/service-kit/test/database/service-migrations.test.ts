import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startTestInfra, type TestInfra } from "@concert/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyMigrations,
  migrationHistory,
  rollbackLastMigration,
} from "../../src/database/index.js";
import { fixturesDir, schemaShape } from "./helpers.js";

const servicesDir = join(fixturesDir, "..", "..", "..", "..", "services");
const servicesWithMigrations = readdirSync(servicesDir).filter((name) =>
  existsSync(join(servicesDir, name, "prisma", "migrations")),
);

let infra: TestInfra;
beforeEach(async () => {
  infra = await startTestInfra();
});
afterEach(async () => {
  await infra.stop();
});

const shapeOf = (schema: string) => schemaShape(infra.databaseUrl, schema);

describe("every service's migrations", () => {
  it.each(servicesWithMigrations)(
    "%s: each migration but the first rolls back with its down.sql, and applying again gives the same schema",
    async (service) => {
      const target = {
        databaseUrl: infra.databaseUrl,
        schema: service,
        prismaDir: join(servicesDir, service, "prisma"),
      };
      await applyMigrations(target);
      const applied = await shapeOf(service);
      const history = await migrationHistory(target);
      expect(history.slice(1).filter((m) => !m.reversible)).toEqual([]);

      for (const migration of history.slice(1).reverse()) {
        expect(await rollbackLastMigration(target)).toBe(migration.name);
      }
      await applyMigrations(target);
      expect(await shapeOf(service)).toEqual(applied);
    },
  );
});
