import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoneGateway } from "./lone-gateway.js";

const SPOOFED = {
  "x-user-id": "00000000-0000-4000-8000-000000000000",
  "x-user-email": "boss@example.com",
  "x-user-role": "admin",
  "x-authenticated-user": "boss@example.com",
};

let echo: FastifyInstance;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;

beforeAll(async () => {
  // A service that answers with the headers it received.
  echo = Fastify();
  echo.all("/*", async (request) => request.headers);
  const echoUrl = await echo.listen({ port: 0, host: "127.0.0.1" });
  gateway = await startLoneGateway({ IDENTITY_URLS: echoUrl, CATALOG_URLS: echoUrl });
});
afterAll(async () => {
  await gateway?.close();
  await echo?.close();
});

async function headersReceivedBehindGateway(path: string, headers: Record<string, string>) {
  const response = await fetch(`${gateway.url}${path}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

describe("headers that claim an identity", () => {
  it("never reach a service from a signed-in caller who sends them", async () => {
    const received = await headersReceivedBehindGateway("/api/concerts/", {
      ...SPOOFED,
      authorization: `Bearer ${gateway.token}`,
      "x-client-note": "kept",
    });
    expect(received["x-client-note"]).toBe("kept");
    expect(received.authorization).toBe(`Bearer ${gateway.token}`);
    expect(Object.keys(received).filter(claimsIdentity)).toEqual([]);
  });

  it("never reach a service on a public route either", async () => {
    const received = await headersReceivedBehindGateway("/api/auth/jwks.json", {
      ...SPOOFED,
      "x-client-note": "kept",
    });
    expect(received["x-client-note"]).toBe("kept");
    expect(Object.keys(received).filter(claimsIdentity)).toEqual([]);
  });
});

describe("the client's address", () => {
  it("reaches a service as the address the gateway saw, whatever X-Forwarded-For the client wrote", async () => {
    const received = await headersReceivedBehindGateway("/api/auth/jwks.json", {
      "x-forwarded-for": "203.0.113.9, 198.51.100.1",
    });
    expect(received["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

function claimsIdentity(name: string): boolean {
  return name.startsWith("x-user-") || name === "x-authenticated-user";
}
