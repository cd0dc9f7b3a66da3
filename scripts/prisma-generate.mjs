// Runs `prisma generate` for the service in the current directory:
//   cd services/<service> && node ../../scripts/prisma-generate.mjs
//
// Generation itself is WASM, but the prisma CLI refuses to start `generate` unless a native schema
// engine exists, and that engine is downloaded from Prisma's servers, unreachable here. The CLI only
// checks that the file exists, so when no engine was downloaded, PRISMA_SCHEMA_ENGINE_BINARY is
// pointed at a file that does exist (this script). Where a real engine is installed, nothing changes.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
  if (code === 0) readQueryCompilerInsteadOfImporting(join(serviceDir, "src", "generated"));
  process.exit(code ?? (signal ? 1 : 0));
});

/**
 * The generated client imports the query compiler as a 4.6 MB module of base64 text, and V8 keeps
 * an imported module's source and its string for the life of the process (~9 MB per service,
 * docs/BENCHMARKS.md "Idle memory"). The same file is read instead and its text dropped once
 * compiled. A generated client that no longer has the import is an error, not silently kept.
 */
function readQueryCompilerInsteadOfImporting(generatedDir) {
  for (const file of findFiles(generatedDir, "class.ts")) {
    const source = readFileSync(file, "utf8");
    const imported =
      /const \{ wasm \} = await import\("(@prisma\/client\/runtime\/query_compiler_\w+\.\w+\.wasm-base64)\.mjs"\)\n(\s*)return await decodeBase64AsWasm\(wasm\)/;
    const match = source.match(imported);
    if (!match) {
      if (source.includes("wasm-base64")) {
        console.error(`prisma-generate: ${file} loads the query compiler in an unknown way`);
        process.exit(1);
      }
      continue;
    }
    const [, module, indent] = match;
    const read = [
      `// Read, not imported: an imported module's source stays in memory for good (scripts/prisma-generate.mjs).`,
      `const { createRequire } = await import('node:module')`,
      `const { readFileSync } = await import('node:fs')`,
      `const text = readFileSync(createRequire(import.meta.url).resolve("${module}.mjs"), 'utf8')`,
      `return await decodeBase64AsWasm(text.slice(text.indexOf('"') + 1, text.lastIndexOf('"')))`,
    ].join(`\n${indent}`);
    writeFileSync(file, source.replace(imported, read));
  }
}

function findFiles(dir, name) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findFiles(path, name);
    return entry.name === name ? [path] : [];
  });
}
