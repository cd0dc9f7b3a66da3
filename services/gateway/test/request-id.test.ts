import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoneGateway } from "./lone-gateway.js";

let echo: FastifyInstance;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;

beforeAll(async () => {
  // A service that answers with the request id it was given.
  echo = Fastify();
  echo.all("/*", async (request) => ({ received: request.headers["x-request-id"] }));
  const echoUrl = await echo.listen({ port: 0, host: "127.0.0.1" });
  gateway = await startLoneGateway({ CATALOG_URLS: echoUrl });
});
afterAll(async () => {
  await gateway?.close();
  await echo?.close();
});

async function through(requestId?: string) {
  const response = await fetch(`${gateway.url}/api/concerts/`, {
    headers: {
      authorization: `Bearer ${gateway.token}`,
      ...(requestId === undefined ? {} : { "x-request-id": requestId }),
    },
  });
  expect(response.status).toBe(200);
  const { received } = (await response.json()) as { received: string };
  return {
    received,
    answered: response.headers.get("x-request-id"),
    replaced: response.headers.get("x-request-id-replaced"),
  };
}

describe("the gateway and a client's x-request-id", () => {
  it("forwards a plain id of at most 128 characters unchanged, and answers with it", async () => {
    for (const id of ["3f2b0c5e-6a1d-4e8e-9a57-0d2a3b4c5d6e", "req:42.a_b-c", "z".repeat(128)]) {
      expect(await through(id)).toEqual({ received: id, answered: id, replaced: null });
    }
  });

  it("replaces anything longer or odd with a fresh UUID, the one the service gets too", async () => {
    for (const id of ["z".repeat(129), "a".repeat(8_000), "two words", "x';DROP", '{"json":1}']) {
      const { received, answered, replaced } = await through(id);
      expect(received).toMatch(/^[0-9a-f-]{36}$/);
      expect(answered).toBe(received);
      expect(replaced).toBe("true");
    }
  });

  it("generates one when the client sent none", async () => {
    const { received, answered, replaced } = await through();
    expect(received).toMatch(/^[0-9a-f-]{36}$/);
    expect(answered).toBe(received);
    expect(replaced).toBeNull();
  });
});
