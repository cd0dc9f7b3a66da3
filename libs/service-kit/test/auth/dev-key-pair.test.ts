import { spawn } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PemKeyPair } from "../../src/auth/dev-key-pair.js";
import { fixturesDir } from "../database/helpers.js";

const PROCESSES = 6;

/** A separate Node process that creates the pair in `dir` once it is told to go. */
function keyPairProcess(dir: string) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(fixturesDir, "dev-key-pair-child.ts"), dir],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let output = "";
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    if (output.startsWith("ready\n")) markReady();
  });
  const pair = new Promise<PemKeyPair>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(JSON.parse(output.slice("ready\n".length)));
      else reject(new Error(`key pair process exited with ${code}`));
    });
  });
  return { ready, go: () => child.stdin.write("go\n"), pair };
}

describe("the development key pair", () => {
  it("is one complete pair when several processes create it at the same moment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const processes = Array.from({ length: PROCESSES }, () => keyPairProcess(dir));
    await Promise.all(processes.map((p) => p.ready));
    for (const p of processes) p.go();
    const pairs = await Promise.all(processes.map((p) => p.pair));

    const onDisk = {
      privateKeyPem: readFileSync(join(dir, "rs256.private.pem"), "utf8"),
      publicKeyPem: readFileSync(join(dir, "rs256.public.pem"), "utf8"),
    };
    for (const pair of pairs) expect(pair).toEqual(onDisk);
    // The public key on disk is the half of the private key on disk, not another process's.
    const derivedPublic = createPublicKey(createPrivateKey(onDisk.privateKeyPem));
    expect(derivedPublic.export({ type: "spki", format: "pem" })).toBe(onDisk.publicKeyPem);
    expect(readdirSync(dir).sort()).toEqual(["rs256.private.pem", "rs256.public.pem"]);
  });
});
