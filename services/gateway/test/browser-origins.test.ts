import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeStandIn, listenStandIn, startLoneGateway } from "./lone-gateway.js";

const APP = "http://app.example";

let service: Server;
/** Any origin allowed (the default), and one that allows APP only (as production must). */
let open: Awaited<ReturnType<typeof startLoneGateway>>;
let listed: Awaited<ReturnType<typeof startLoneGateway>>;
let forwarded = 0;

beforeAll(async () => {
  service = createServer((request, response) => {
    forwarded += 1;
    request.resume();
    response.writeHead(200, { "content-type": "application/json", vary: "Accept-Language" });
    response.end("{}");
  });
  const catalog = await listenStandIn(service);
  open = await startLoneGateway({ CATALOG_URLS: catalog });
  listed = await startLoneGateway({ CATALOG_URLS: catalog, CORS_ORIGINS: APP });
});
afterAll(async () => {
  await open?.close();
  await listed?.close();
  closeStandIn(service);
});
beforeEach(() => {
  forwarded = 0;
});

function call(gateway: typeof open, path: string, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}${path}`, {
    headers: { authorization: `Bearer ${gateway.token}`, ...headers },
  });
}

describe("an API answer and the browser asking from another origin", () => {
  it("names the origin, the headers it may read and Vary: Origin, with the service's own Vary", async () => {
    const answer = await call(open, "/api/concerts/", { origin: APP });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe(APP);
    expect(answer.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(answer.headers.get("vary")).toBe("Accept-Language, Origin");
  });

  it("carries no CORS headers for a client without an Origin, and still says Vary: Origin", async () => {
    const answer = await call(open, "/api/concerts/");
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("vary")).toBe("Accept-Language, Origin");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("allows only the listed origins, with credentials, when origins are listed", async () => {
    const allowed = await call(listed, "/api/concerts/", { origin: APP });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await call(listed, "/api/concerts/", { origin: "http://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("has its preflight answered by the gateway, without a token, never by the service", async () => {
    const preflight = await fetch(`${listed.url}/api/concerts/some-id`, {
      method: "OPTIONS",
      headers: { origin: APP, "access-control-request-method": "DELETE" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("DELETE");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
    expect(forwarded).toBe(0);
  });
});

describe("the gateway's own pages", () => {
  it("carry the same browser headers and a request id as the API's answers", async () => {
    const home = await fetch(`${open.url}/`, { headers: { origin: APP } });
    expect(home.status).toBe(200);
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(home.headers.get("access-control-allow-origin")).toBe(APP);
    expect(home.headers.get("x-request-id")).toBeTruthy();
    const unknown = await fetch(`${open.url}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Not Found" });
    expect(unknown.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
