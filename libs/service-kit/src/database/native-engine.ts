import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

export const SCHEMA_ENGINE_ENV = "PRISMA_SCHEMA_ENGINE_BINARY";

/**
 * Path of a working native schema engine, or null. Looks where the prisma 7.10 CLI looks: the env var,
 * then `schema-engine-<platform>` in @prisma/engines, the prisma package and node_modules. Every
 * candidate must answer `--version`: the env var is often pointed at a placeholder file just so
 * `prisma generate` starts (scripts/prisma-generate.mjs does that).
 */
export function findNativeSchemaEngine(fromDir: string): string | null {
  const fromEnv = process.env[SCHEMA_ENGINE_ENV];
  const candidates = fromEnv ? [resolve(fromEnv)] : [];
  for (const dir of engineDirs(fromDir)) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.startsWith("schema-engine-")) candidates.push(join(dir, name));
    }
  }
  return candidates.find(isWorkingEngine) ?? null;
}

function engineDirs(fromDir: string): string[] {
  const require = createRequire(join(fromDir, "noop.js"));
  const dirs: string[] = [];
  for (const pkg of ["@prisma/engines", "prisma"]) {
    try {
      const pkgDir = dirname(require.resolve(`${pkg}/package.json`));
      dirs.push(pkgDir);
      if (pkg === "prisma") dirs.push(dirname(pkgDir));
    } catch {
      // not installed here: nothing to look at
    }
  }
  return dirs;
}

function isWorkingEngine(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return false;
  }
  const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return probe.status === 0 && /schema-engine/i.test(probe.stdout);
}

/** The prisma CLI's entry point as installed for the service in `serviceDir`. */
export function findPrismaCli(serviceDir: string): string {
  const require = createRequire(join(serviceDir, "noop.js"));
  return require.resolve("prisma/build/index.js");
}
