import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { WasmMigrationJob } from "./wasm-migrations.js";

type WorkerAnswer =
  | { ok: true; applied: string[] }
  | { ok: false; message: string; stack: string | undefined };

/**
 * Applies the migrations with the WASM schema engine in a worker thread and resolves with the
 * names it applied. The engine's instance (its code and a linear memory of tens of MB) would stay
 * in a service for good once loaded; a worker's isolate, and all of it, is freed when it exits.
 */
export function runWasmMigrationsInWorker(job: WasmMigrationJob): Promise<string[]> {
  const worker = new Worker(workerEntry(), { workerData: job });
  return new Promise((resolve, reject) => {
    let answer: WorkerAnswer | undefined;
    worker.once("message", (message: WorkerAnswer) => {
      answer = message;
      // Whatever the engine may have left armed, the answer is all that is wanted from it.
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (answer?.ok) resolve(answer.applied);
      else if (answer) reject(Object.assign(new Error(answer.message), { stack: answer.stack }));
      else reject(new Error(`the migration worker exited (code ${code}) without an answer`));
    });
  });
}

/**
 * The worker's entry next to this module. From sources (the kit's own tests) it is a .ts file,
 * which a worker can only load with tsx's hooks registered in it first.
 */
function workerEntry(): URL {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./wasm-migration-worker${extension}`, import.meta.url);
  if (extension !== ".ts") return entry;
  const boot = `const { register } = await import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))});
    register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}
