// Entry of the worker thread that runs the WASM schema engine (see runWasmMigrationsInWorker).
import { parentPort, workerData } from "node:worker_threads";
import { applyWithWasm, type WasmMigrationJob } from "./wasm-migrations.js";

try {
  const applied = await applyWithWasm(workerData as WasmMigrationJob);
  parentPort?.postMessage({ ok: true, applied });
} catch (error) {
  // Posted rather than thrown: the engine may reject with a non-Error, and its text is what the
  // operator needs to read in the service's failed start.
  const { message, stack } =
    error instanceof Error ? error : { message: String(error), stack: undefined };
  parentPort?.postMessage({ ok: false, message, stack });
}
