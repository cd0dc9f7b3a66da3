import { describe, expect, it } from "vitest";

/** A service started behind a real gateway (the kit's `startBehindGateway`). */
interface ServiceBehindGateway {
  url: string;
  service: {
    app: { inject(options: { method: "GET"; url: string }): PromiseLike<{ statusCode: number }> };
    infra: { prisma: { $queryRawUnsafe<T>(query: string): Promise<T> } };
  };
  tokenFor(role: "viewer"): string;
}

/**
 * What holds for every service of the stack, whatever it does: its own schema migrated with the
 * kit's outbox, ready, and reached through the gateway only with a token. The generator puts
 * these specs in every new service's test.
 */
export function describeServiceWiring(
  started: ServiceBehindGateway,
  expected: { schema: string; prefix: string },
) {
  describe(`the ${expected.schema} service as part of the stack`, () => {
    it("owns its schema, migrated, with the kit's outbox", async () => {
      const tables = await started.service.infra.prisma.$queryRawUnsafe<{ name: string }[]>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '${expected.schema}'`,
      );
      expect(tables.map((table) => table.name)).toEqual(
        expect.arrayContaining(["_prisma_migrations", "outbox_events"]),
      );
    });

    it("is ready: its database and the broker answer", async () => {
      const response = await started.service.app.inject({ method: "GET", url: "/readyz" });
      expect(response.statusCode).toBe(200);
    });

    it("is reached through the gateway, which refuses anonymous requests first", async () => {
      const anonymous = await fetch(`${started.url}${expected.prefix}/`);
      expect(anonymous.status).toBe(401);
      // Deep enough that no `/:id` route of the service matches it.
      const signedIn = await fetch(`${started.url}${expected.prefix}/no/such/route`, {
        headers: { authorization: `Bearer ${started.tokenFor("viewer")}` },
      });
      // The service's own answer, not the gateway's 502/503 for an upstream that is down.
      expect(signedIn.status).toBe(404);
      expect(await signedIn.json()).toEqual({ detail: "Not Found" });
    });

    it("is listed in the gateway's merged API documentation (/docs)", async () => {
      const document = (await (await fetch(`${started.url}/openapi.json`)).json()) as {
        info: { description: string };
      };
      expect(document.info.description).toContain(`**${expected.schema}** \`${expected.prefix}\``);
    });
  });
}
