import { extname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The entry of a worker thread whose module sits next to `callerUrl` (the caller's
 * `import.meta.url`) under the name `name` (without extension). From sources (the kit's own
 * tests) it is a .ts file, which a worker can only load with tsx's hooks registered in it first.
 */
export function workerEntry(callerUrl: string, name: string): URL {
  const extension = extname(fileURLToPath(callerUrl));
  const entry = new URL(`./${name}${extension}`, callerUrl);
  if (extension !== ".ts") return entry;
  const boot = `const { register } = await import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))});
    register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}
