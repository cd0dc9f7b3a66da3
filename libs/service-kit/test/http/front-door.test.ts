import { NO_INFRA, testEnv } from "@concert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defineService, startService } from "../../src/index.js";

const service = defineService({
  name: "catalog",
  description: "a front door that takes /front, and Fastify's own route",
  routes: [({ app }) => void app.get("/fastify", async () => ({ from: "fastify" }))],
  frontDoor:
    ({ config }) =>
    (request, response) => {
      if (!request.url?.startsWith("/front")) return false;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ from: "front door", port: config.PORT }));
      return true;
    },
});

let started: Awaited<ReturnType<typeof startService>>;
let url: string;

beforeAll(async () => {
  started = await startService(service, testEnv(NO_INFRA));
  url = await started.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await started?.close();
});

it("answers what it takes, and hands everything else to Fastify's routes and 404", async () => {
  expect(await (await fetch(`${url}/front/x`)).json()).toEqual({ from: "front door", port: 0 });
  expect(await (await fetch(`${url}/fastify`)).json()).toEqual({ from: "fastify" });
  const unknown = await fetch(`${url}/elsewhere`);
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ detail: "Not Found" });
});

it("is on the server Fastify would have built: its keep-alive and timeouts", () => {
  expect(started.app.server.keepAliveTimeout).toBe(72_000);
  expect(started.app.server.requestTimeout).toBe(0);
});
