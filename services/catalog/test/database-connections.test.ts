import { startTestService } from "@concert/service-kit/testing";
import { startForFile, testEnv, withClient } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { catalogService } from "../src/service.js";

// Any service: catalog is the smallest that has a database, a relay and consumers.
const { service: catalog, infra } = startForFile((run) =>
  startTestService(catalogService, testEnv(run, { DATABASE_POOL_SIZE: "3" })),
);

/** This run's connections, by the name each pool gives them in pg_stat_activity. */
async function connectionsByName(): Promise<Record<string, number>> {
  return withClient(infra.databaseUrl, async (client) => {
    const { rows } = await client.query<{ application_name: string; n: number }>(
      `SELECT application_name, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
        GROUP BY application_name`,
    );
    return Object.fromEntries(rows.map((row) => [row.application_name, row.n]));
  });
}

describe("database connections", () => {
  it("opens at most DATABASE_POOL_SIZE for requests, named after the service", async () => {
    // 24 requests at once would open 24 connections without the setting's limit (node-postgres
    // opens one per waiting query up to its max); idle ones stay open for 10 s after.
    const viewer = catalog.tokenFor("viewer");
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => catalog.call("GET", "/api/concerts/", viewer)),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(24).fill(200));
    const named = await connectionsByName();
    expect(named.catalog).toBe(3);
    // The relay drains at start, on its own two connections, named apart from the requests'.
    expect(named["catalog outbox relay"]).toBeGreaterThanOrEqual(1);
    expect(named["catalog outbox relay"]).toBeLessThanOrEqual(2);
  });
});
