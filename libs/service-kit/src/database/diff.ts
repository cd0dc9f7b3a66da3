import { offlineAdapterFactory } from "./offline-adapter.js";
import { withSchemaEngine } from "./schema-engine-wasm.js";

/**
 * The SQL of a migration from `fromDatamodel` to `toDatamodel` (null: nothing), computed without a
 * database; an unchanged model yields only "-- This is an empty migration.". Swapped, it is the
 * down migration.
 */
export async function diffMigrationSql(
  fromDatamodel: string | null,
  toDatamodel: string | null,
): Promise<string> {
  const datamodel = toDatamodel ?? fromDatamodel ?? "";
  return withSchemaEngine(datamodel, offlineAdapterFactory(), async (engine) => {
    const result = await engine.diff({
      from: fromDatamodel === null ? { tag: "empty" } : datamodelTarget(fromDatamodel),
      to: toDatamodel === null ? { tag: "empty" } : datamodelTarget(toDatamodel),
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  });
}

function datamodelTarget(content: string) {
  return { tag: "schemaDatamodel" as const, files: [{ path: "schema.prisma", content }] };
}
