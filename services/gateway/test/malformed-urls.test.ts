import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLoneGateway } from "./lone-gateway.js";

let echo: FastifyInstance;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;

beforeAll(async () => {
  echo = Fastify();
  echo.all("/*", async (request) => ({ url: request.url }));
  const echoUrl = await echo.listen({ port: 0, host: "127.0.0.1" });
  gateway = await startLoneGateway({ IDENTITY_URLS: echoUrl, CATALOG_URLS: echoUrl });
});
afterAll(async () => {
  await gateway?.close();
  await echo?.close();
});

it("a URL whose percent-escapes are not UTF-8 is a 400 with a detail, in the path or the query", async () => {
  for (const path of [
    "/api/auth/jwks.json?x=%FF",
    "/api/auth/jwks.json?x=%ED%A0%80",
    "/api/concerts/?limit=%C0",
    "/api/concerts/%ED%A0%80",
  ]) {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${gateway.token}` },
    });
    expect(response.status, path).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/percent-encoded/);
  }
  // Escapes that are UTF-8, NUL included, pass through for the service to judge.
  const passed = await fetch(`${gateway.url}/api/auth/jwks.json?x=%00&y=%F0%9F%8E%AB`);
  expect(await passed.json()).toEqual({ url: "/api/auth/jwks.json?x=%00&y=%F0%9F%8E%AB" });
});
