import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

type WasmBindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

/** The slice of the WebAssembly global used here; the project's `lib` (no DOM) does not declare it. */
interface WebAssemblyApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, object>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

const PACKAGE = "@prisma/schema-engine-wasm";
const WASM_FILE = "schema_engine_bg.wasm";
const GLUE_FILE = "schema_engine_bg.js";

let bindings: Promise<WasmBindings> | undefined;
let queue: Promise<unknown> = Promise.resolve();
/** Timers the engine started and has not seen fire yet; see trackingTimers. */
const engineTimers = new Set<NodeJS.Timeout>();

/**
 * Runs `fn` with a fresh engine connected through `adapterFactory`, freeing it afterwards.
 * Calls are serialised: all engines share one WASM instance and its memory, and migrations are
 * rare enough that running them one at a time costs nothing.
 */
export function withSchemaEngine<T>(
  datamodel: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const run = async (): Promise<T> => {
    const { SchemaEngine } = await loadBindings();
    // bind*: the engine calls the factory's methods detached from their object.
    const engine = await SchemaEngine.new(
      { datamodels: [["schema.prisma", datamodel]] },
      () => {},
      bindMigrationAwareSqlAdapterFactory(adapterFactory),
    );
    try {
      return await fn(engine);
    } finally {
      engine.free();
      for (const timer of engineTimers) clearTimeout(timer);
      engineTimers.clear();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

function loadBindings(): Promise<WasmBindings> {
  bindings ??= instantiate().catch((error: unknown) => {
    bindings = undefined;
    throw error;
  });
  return bindings;
}

/**
 * The package's ESM entry imports the .wasm file as a module, which Node 20 refuses,
 * so the JS glue and the binary are loaded by hand, both from the same package directory.
 */
async function instantiate(): Promise<WasmBindings> {
  const dir = packageDir();
  const glue = (await import(pathToFileURL(join(dir, GLUE_FILE)).href)) as WasmBindings;
  const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, WASM_FILE)), {
    [`./${GLUE_FILE}`]: trackingTimers(glue),
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start === "function") start();
  return glue;
}

/**
 * The engine arms 10 s timers it never clears, keeping a one-shot migration process alive for 10 s
 * after it is done: they are tracked so a finished run clears its own (runs are serialised).
 */
function trackingTimers(glue: WasmBindings): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    imports[name] = (callback: () => void, ms: number) => {
      const timer = setTimeout(() => {
        engineTimers.delete(timer);
        callback();
      }, ms >>> 0);
      engineTimers.add(timer);
      return timer;
    };
  }
  return imports;
}

/** The package's "exports" hide the .wasm file, so resolve an exported file and fall back to walking up. */
function packageDir(): string {
  try {
    const glue = createRequire(import.meta.url).resolve(`${PACKAGE}/schema_engine_bg`);
    if (existsSync(join(dirname(glue), WASM_FILE))) return dirname(glue);
  } catch {
    // fall through to the directory walk
  }
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", PACKAGE);
    if (existsSync(join(candidate, WASM_FILE))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `${PACKAGE} not found in any node_modules above ${fileURLToPath(import.meta.url)}`,
  );
}
