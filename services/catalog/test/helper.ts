import { randomUUID } from "node:crypto";
import { createLogger, type Identity, loadSigningKey, signAccessToken } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { loadCatalogConfig } from "../src/config.js";
import { startCatalog } from "../src/start.js";

/** Catalog as `main` starts it, on this run's database and broker. */
export async function startTestCatalog(infra: TestInfra) {
  const env = testEnv(infra);
  const config = loadCatalogConfig(env);
  const service = await startCatalog(config, createLogger("catalog", config.LOG_LEVEL));
  // Tokens as identity would mint them, with the same development key pair of this run.
  const signing = loadSigningKey({ ...config, ALGORITHM: "RS256" });
  const tokenFor = (role: Identity["role"]) =>
    signAccessToken(signing, { userId: randomUUID(), email: `${role}@example.com`, role }, 600);
  return {
    ...service,
    tokenFor,
    async close() {
      await service.app.close();
      await service.infra.close();
    },
  };
}

export type TestCatalog = Awaited<ReturnType<typeof startTestCatalog>>;

export function futureIso(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}
