// Runs `prisma generate` for the service in the current directory:
//   cd services/<service> && node ../../scripts/prisma-generate.mjs
//
// Generation itself is WASM, but the prisma CLI refuses to start `generate` unless a native schema
// engine exists, and that engine is downloaded from Prisma's servers, unreachable here. The CLI only
// checks that the file exists, so when no engine was downloaded, PRISMA_SCHEMA_ENGINE_BINARY is
// pointed at a file that does exist (this script). Where a real engine is installed, nothing changes.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ENGINE_ENV = "PRISMA_SCHEMA_ENGINE_BINARY";
const serviceDir = process.cwd();
const require = createRequire(join(serviceDir, "noop.js"));
const prismaCli = require.resolve("prisma/build/index.js");

/** Where the prisma 7.10 CLI looks for `schema-engine-<platform>`: @prisma/engines, the prisma package, node_modules. */
function engineDownloaded() {
  const prismaDir = dirname(dirname(prismaCli));
  const dirs = [prismaDir, dirname(prismaDir)];
  try {
    dirs.push(dirname(require.resolve("@prisma/engines/package.json")));
  } catch {
    // @prisma/engines not installed: the CLI could not find an engine there either
  }
  return dirs.some(
    (dir) => existsSync(dir) && readdirSync(dir).some((name) => name.startsWith("schema-engine-")),
  );
}

const env = { ...process.env };
if (!env[ENGINE_ENV] && !engineDownloaded()) {
  env[ENGINE_ENV] = fileURLToPath(import.meta.url);
}

const child = spawn(process.execPath, [prismaCli, "generate", ...process.argv.slice(2)], {
  cwd: serviceDir,
  env,
  stdio: "inherit",
});
child.on("error", (error) => {
  console.error(`prisma-generate: cannot start prisma: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
