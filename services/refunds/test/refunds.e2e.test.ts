import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTestRefunds } from "./helper.js";

const { service: refunds } = startForFile(startTestRefunds);

describe("refunds as a service of the stack", () => {
  it("owns its schema, migrated, with the kit's outbox", async () => {
    const tables = await refunds.service.infra.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'refunds'",
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "outbox_events"]),
    );
  });

  it("is ready: its database and the broker answer", async () => {
    const response = await refunds.service.app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(200);
  });

  it("is reached through the gateway, which refuses anonymous requests first", async () => {
    const anonymous = await fetch(`${refunds.url}/api/refunds/`);
    expect(anonymous.status).toBe(401);
    const signedIn = await fetch(`${refunds.url}/api/refunds/no-such-route`, {
      headers: { authorization: `Bearer ${refunds.tokenFor("viewer")}` },
    });
    // The service's own answer, not the gateway's 502/503 for an upstream that is down.
    expect(signedIn.status).toBe(404);
    expect(await signedIn.json()).toEqual({ detail: "Not Found" });
  });
});
