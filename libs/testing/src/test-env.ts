import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestInfra } from "./test-infra.js";

const devKeysDir = mkdtempSync(join(tmpdir(), "concert-test-keys-"));

/**
 * The environment a service gets in a test: this run's database, broker and subject prefix,
 * development keys of its own (shared by every service in the run), quiet logs.
 */
export function testEnv(
  infra: TestInfra,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ENV: "test",
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: infra.subjectPrefix,
    DEV_KEYS_DIR: devKeysDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    HOST: "127.0.0.1",
    PORT: "0",
    ...extra,
  };
}
