import { Writable } from "node:stream";
import type { Role } from "@concert/contracts";
import { pino } from "pino";
import { loadSigningKey, signAccessToken, verificationKeyOf } from "../../src/auth/index.js";
import { buildServiceApp } from "../../src/http/index.js";

const signing = loadSigningKey({ ENV: "test", ALGORITHM: "HS256", SECRET_KEY: "k".repeat(40) });

/** A token of `role` that the app of `buildTestApp` accepts. */
export function tokenOf(role: Role): string {
  return signAccessToken(
    signing,
    {
      userId: "00000000-0000-4000-8000-000000000001",
      email: `${role}@example.com`,
      role,
      accessVersion: 1,
    },
    600,
  );
}

/** The kit's app as every service gets it, with its log lines kept for the test to read. */
export async function buildTestApp() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const parts = await buildServiceApp({
    title: "kit-test",
    logger: pino({ level: "info" }, sink),
    readiness: {},
    verification: verificationKeyOf(signing),
  });
  return { ...parts, logLines: lines };
}
