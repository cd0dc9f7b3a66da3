import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { readMigrationFolder } from "./migration-folder.js";
import { withSchemaEngine } from "./schema-engine-wasm.js";

/** What the migration worker is given: everything it needs, as plain data. */
export interface WasmMigrationJob {
  prismaDir: string;
  /** Connection string with the service's schema as search_path. */
  url: string;
  schema: string;
}

/**
 * Applies the migration folders with the WASM schema engine, in this thread. The service start runs
 * it in a worker (see wasm-migration-worker.ts), so the engine's memory goes when the worker exits.
 */
export async function applyWithWasm({
  prismaDir,
  url,
  schema,
}: WasmMigrationJob): Promise<string[]> {
  const datamodel = readFileSync(join(prismaDir, "schema.prisma"), "utf8");
  // The engine takes Prisma's own session advisory lock on a pooled connection and never disposes the
  // adapter: ending the pool here releases both, instead of blocking the next run until the idle timeout.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    return await withSchemaEngine(datamodel, new PrismaPg(pool, { schema }), async (engine) => {
      const output = await engine.applyMigrations({
        migrationsList: readMigrationFolder(prismaDir),
        filters: { externalTables: [], externalEnums: [] },
      });
      return output.appliedMigrationNames;
    });
  } finally {
    await pool.end();
  }
}
