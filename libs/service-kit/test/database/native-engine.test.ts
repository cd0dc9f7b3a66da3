import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findNativeSchemaEngine } from "../../src/database/native-engine.js";

describe("findNativeSchemaEngine", () => {
  let dir: string;
  const saved = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "engine-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.PRISMA_SCHEMA_ENGINE_BINARY;
    else process.env.PRISMA_SCHEMA_ENGINE_BINARY = saved;
  });

  // Looking from the empty temporary folder: no engine is installed there, so only the env var counts.
  it.each([
    ["a plain file, as scripts/prisma-generate.mjs names", "not an engine", 0o644],
    ["an executable that does not answer like the schema engine", "#!/bin/sh\necho 1.0.0\n", 0o755],
  ])("finds no engine when PRISMA_SCHEMA_ENGINE_BINARY names %s", (_name, content, mode) => {
    const placeholder = join(dir, "placeholder");
    writeFileSync(placeholder, content);
    chmodSync(placeholder, mode);
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;

    expect(findNativeSchemaEngine(dir)).toBeNull();
  });

  it("accepts an executable named by PRISMA_SCHEMA_ENGINE_BINARY that answers like the schema engine", () => {
    const engine = join(dir, "schema-engine");
    writeFileSync(
      engine,
      "#!/bin/sh\necho 'schema-engine-cli 0edf323efd1d98336f3f0a68684b56f689b900d3'\n",
    );
    chmodSync(engine, 0o755);
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = engine;

    expect(findNativeSchemaEngine(process.cwd())).toBe(engine);
  });
});
