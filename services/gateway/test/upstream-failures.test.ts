import { createServer, type Server } from "node:http";
import { freePort } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoneGateway } from "./lone-gateway.js";

let silent: Server;
let gatewayUrl: string;
let close: () => Promise<void>;
let token: string;

beforeAll(async () => {
  // Accepts connections and never answers.
  silent = createServer(() => {});
  const silentPort = await freePort();
  await new Promise<void>((resolve) => silent.listen(silentPort, "127.0.0.1", resolve));
  const gateway = await startLoneGateway({
    CATALOG_URLS: `http://127.0.0.1:${silentPort}`,
    TICKETING_URLS: `http://127.0.0.1:${await freePort()}`,
    UPSTREAM_TIMEOUT_MS: "300",
  });
  gatewayUrl = gateway.url;
  close = gateway.close;
  token = gateway.token;
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
