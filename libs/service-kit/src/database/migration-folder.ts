import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MigrationList } from "@prisma/schema-engine-wasm/schema_engine_bg";

const LOCKFILE = "migration_lock.toml";
const MIGRATION_FILE = "migration.sql";

/** Reads `<prismaDir>/migrations` the way `prisma migrate deploy` does: every folder, in name order. */
export function readMigrationFolder(prismaDir: string): MigrationList {
  const baseDir = join(prismaDir, "migrations");
  const names = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  const lockfilePath = join(baseDir, LOCKFILE);
  return {
    baseDir,
    lockfile: {
      path: LOCKFILE,
      content: existsSync(lockfilePath) ? readFileSync(lockfilePath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => {
      const file = join(baseDir, name, MIGRATION_FILE);
      return {
        path: name,
        migrationFile: {
          path: MIGRATION_FILE,
          // Like the CLI, a folder without its SQL is reported by the engine rather than skipped.
          content: existsSync(file)
            ? { tag: "ok" as const, value: readFileSync(file, "utf8") }
            : { tag: "error" as const, value: `${file} does not exist` },
        },
      };
    }),
  };
}
