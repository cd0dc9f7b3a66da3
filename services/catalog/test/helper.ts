import { startTestService } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { catalogService } from "../src/service.js";

/** Catalog as `main` starts it, on this run's database and broker. */
export const startTestCatalog = (infra: TestInfra) =>
  startTestService(catalogService, testEnv(infra));

export type TestCatalog = Awaited<ReturnType<typeof startTestCatalog>>;

export function futureIso(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}
