import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeStandIn, listenStandIn, startLoneGateway } from "./lone-gateway.js";

let service: Server;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  service = createServer((request, response) => {
    request.resume();
    response.writeHead(201, { "content-type": "application/json" });
    response.end("{}");
  });
  const serviceUrl = await listenStandIn(service);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  gateway = await startLoneGateway({ CATALOG_URLS: serviceUrl }, pino({ level: "info" }, sink));
});
afterAll(async () => {
  await gateway?.close();
  closeStandIn(service);
});

it("logs a forwarded request at info as Fastify logs its own: incoming, then completed", async () => {
  const answer = await fetch(`${gateway.url}/api/concerts/?page=2`, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.token}`, "x-request-id": "log-me-1" },
    body: "{}",
  });
  expect(answer.status).toBe(201);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the "close" after the answer
  const mine = lines.filter((line) => line.reqId === "log-me-1");
  expect(mine.map((line) => line.msg)).toEqual(["incoming request", "request completed"]);
  expect(mine[0]?.req).toMatchObject({ method: "POST", url: "/api/concerts/?page=2" });
  expect(mine[1]?.res).toEqual({ statusCode: 201 });
  expect(typeof mine[1]?.responseTime).toBe("number");
  // The token is never logged.
  expect(JSON.stringify(mine)).not.toContain(gateway.token);
});
