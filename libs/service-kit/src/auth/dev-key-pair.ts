import { generateKeyPairSync } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function defaultDevKeysDir(): string {
  return join(homedir(), ".concert-tickets", "dev-keys");
}

/**
 * A key pair for local development, made on first start and then reused, so identity signs and
 * every verifier checks with the same pair without anyone configuring keys. Processes that
 * start together race here: the pair is written aside and hard-linked into place, which fails
 * for all but one writer, so everybody ends up reading the same files.
 */
export function ensureDevKeyPair(
  dir: string,
  algorithm: "RS256" | "ES256" | "Ed25519",
  name: string = algorithm.toLowerCase(),
): PemKeyPair {
  const base = join(dir, name);
  const privatePath = `${base}.private.pem`;
  const publicPath = `${base}.public.pem`;
  if (!existsSync(publicPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair =
      algorithm === "RS256"
        ? generateKeyPairSync("rsa", { modulusLength: 2048 })
        : algorithm === "ES256"
          ? generateKeyPairSync("ec", { namedCurve: "P-256" })
          : generateKeyPairSync("ed25519");
    const suffix = `${process.pid}.${Date.now()}.tmp`;
    writeFileSync(
      `${privatePath}.${suffix}`,
      pair.privateKey.export({ type: "pkcs8", format: "pem" }),
      { mode: 0o600 },
    );
    writeFileSync(
      `${publicPath}.${suffix}`,
      pair.publicKey.export({ type: "spki", format: "pem" }),
    );
    try {
      // The private key goes first: whoever places it also places its public half.
      linkSync(`${privatePath}.${suffix}`, privatePath);
      linkSync(`${publicPath}.${suffix}`, publicPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(`${privatePath}.${suffix}`, { force: true });
      rmSync(`${publicPath}.${suffix}`, { force: true });
    }
  }
  return {
    privateKeyPem: readWhenPresent(privatePath),
    publicKeyPem: readWhenPresent(publicPath),
  };
}

/** The winner of the race above may still be between its two links. */
function readWhenPresent(path: string): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (existsSync(path)) return readFileSync(path, "utf8");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return readFileSync(path, "utf8");
}
