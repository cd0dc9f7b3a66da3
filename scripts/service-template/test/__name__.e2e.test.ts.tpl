import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTest__Name__ } from "./helper.js";

const { service: __name__ } = startForFile(startTest__Name__);

describe("__name__ as a service of the stack", () => {
  it("owns its schema, migrated, with the kit's outbox", async () => {
    const tables = await __name__.service.infra.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '__name__'",
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "outbox_events"]),
    );
  });

  it("is ready: its database and the broker answer", async () => {
    const response = await __name__.service.app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(200);
  });

  it("is reached through the gateway, which refuses anonymous requests first", async () => {
    const anonymous = await fetch(`${__name__.url}__prefix__/`);
    expect(anonymous.status).toBe(401);
    const signedIn = await fetch(`${__name__.url}__prefix__/no-such-route`, {
      headers: { authorization: `Bearer ${__name__.tokenFor("viewer")}` },
    });
    // The service's own answer, not the gateway's 502/503 for an upstream that is down.
    expect(signedIn.status).toBe(404);
    expect(await signedIn.json()).toEqual({ detail: "Not Found" });
  });
});
