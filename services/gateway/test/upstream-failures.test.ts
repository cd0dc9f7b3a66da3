import { createServer, type Server } from "node:http";
import { startTestService } from "@concert/service-kit/testing";
import { freePort, type TestInfra, testEnv } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayService } from "../src/service.js";

// No database or broker is involved: the gateway alone against upstreams that misbehave.
const infra = {
  databaseUrl: "postgresql://unused@127.0.0.1/unused",
  natsUrl: "",
  subjectPrefix: "",
  runId: "",
  stop: async () => {},
} satisfies TestInfra;

let silent: Server;
let gatewayUrl: string;
let close: () => Promise<void>;
let token: string;

beforeAll(async () => {
  // Accepts connections and never answers.
  silent = createServer(() => {});
  const silentPort = await freePort();
  await new Promise<void>((resolve) => silent.listen(silentPort, "127.0.0.1", resolve));
  const env = testEnv(infra, {
    CATALOG_URLS: `http://127.0.0.1:${silentPort}`,
    TICKETING_URLS: `http://127.0.0.1:${await freePort()}`,
    UPSTREAM_TIMEOUT_MS: "300",
  });
  const gateway = await startTestService(gatewayService, env);
  gatewayUrl = await gateway.app.listen({ port: 0, host: "127.0.0.1" });
  close = () => gateway.close();
  token = gateway.tokenFor("admin");
});
afterAll(async () => {
  await close?.();
  silent?.closeAllConnections();
  silent?.close();
});

describe("when a service behind the gateway fails", () => {
  it("answers 503 with a detail when nothing listens", async () => {
    const response = await fetch(`${gatewayUrl}/api/tickets/mine`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: "The ticketing service is unavailable" });
  });

  it("answers 504 with a detail instead of hanging when the service is silent", async () => {
    const response = await fetch(`${gatewayUrl}/api/concerts/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ detail: "The catalog service did not answer in time" });
  });

  it("still refuses an anonymous caller before trying the service", async () => {
    const response = await fetch(`${gatewayUrl}/api/tickets/mine`);
    expect(response.status).toBe(401);
  });
});
