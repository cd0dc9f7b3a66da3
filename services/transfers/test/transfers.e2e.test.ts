import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTestTransfers } from "./helper.js";

const { service: transfers } = startForFile(startTestTransfers);

describe("transfers as a service of the stack", () => {
  it("owns its schema, migrated, with the kit's outbox", async () => {
    const tables = await transfers.service.infra.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'transfers'",
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "outbox_events"]),
    );
  });

  it("is ready: its database and the broker answer", async () => {
    const response = await transfers.service.app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(200);
  });

  it("is reached through the gateway, which refuses anonymous requests first", async () => {
    const anonymous = await fetch(`${transfers.url}/api/transfers/`);
    expect(anonymous.status).toBe(401);
    const signedIn = await fetch(`${transfers.url}/api/transfers/no-such-route`, {
      headers: { authorization: `Bearer ${transfers.tokenFor("viewer")}` },
    });
    // The service's own answer, not the gateway's 502/503 for an upstream that is down.
    expect(signedIn.status).toBe(404);
    expect(await signedIn.json()).toEqual({ detail: "Not Found" });
  });
});
