import { randomBytes } from "node:crypto";
import {
  createServer,
  get as httpGet,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeStandIn, listenStandIn, startLoneGateway } from "./lone-gateway.js";

const SMALL = Buffer.from('{"b":2,  "a":1}'); // spacing and key order a re-encoding would lose
const LARGE = randomBytes(300 * 1024); // above the size the gateway buffers: it streams
const GZIPPED = randomBytes(512); // stands for compressed bytes: passed on as they are

/** A service with one path per kind of answer, on catalog's prefix. */
function answer(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? "";
  if (path.startsWith("/api/concerts/small")) {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": SMALL.length,
      "x-from-service": "kept",
    });
    response.end(request.method === "HEAD" ? undefined : SMALL);
  } else if (path === "/api/concerts/large") {
    response.writeHead(200, { "content-type": "image/png", "content-length": LARGE.length });
    response.end(LARGE);
  } else if (path === "/api/concerts/unknown-length") {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"chunked":');
    response.end("true}");
  } else if (path === "/api/concerts/gzipped") {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-encoding": "gzip",
      "content-length": GZIPPED.length,
    });
    response.end(GZIPPED);
  } else if (path === "/api/concerts/no-content") {
    response.writeHead(204);
    response.end();
  } else if (path === "/api/concerts/cut-short") {
    // Announces more than it sends, then the connection breaks.
    response.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
    response.write('{"partial":');
    setImmediate(() => response.socket?.destroy());
  } else if (path === "/api/concerts/stalls") {
    // Headers, then silence past the gateway's timeout.
    response.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
    response.write('{"partial":');
  } else {
    response.writeHead(404, { "content-type": "application/json" });
    response.end('{"detail":"Not Found"}');
  }
}

let service: Server;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;

beforeAll(async () => {
  service = createServer((request, response) => {
    request.resume();
    request.on("end", () => answer(request, response));
  });
  const serviceUrl = await listenStandIn(service);
  gateway = await startLoneGateway({
    CATALOG_URLS: serviceUrl,
    UPSTREAM_TIMEOUT_MS: "300",
  });
});
afterAll(async () => {
  await gateway?.close();
  closeStandIn(service);
});

function call(path: string, init: RequestInit = {}) {
  return fetch(`${gateway.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${gateway.token}` },
  });
}

function rawGet(path: string): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      `${gateway.url}${path}`,
      { headers: { authorization: `Bearer ${gateway.token}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

describe("a service's answer passes through the gateway", () => {
  it("byte for byte, with the service's status and headers, when small", async () => {
    const response = await call("/api/concerts/small");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-from-service")).toBe("kept");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(Buffer.from(await response.arrayBuffer())).toEqual(SMALL);
  });

  it("whole, when it is larger than what the gateway buffers", async () => {
    const response = await call("/api/concerts/large");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(LARGE.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(LARGE)).toBe(true);
  });

  it("whole, when the service does not announce its length", async () => {
    const response = await call("/api/concerts/unknown-length");
    expect(await response.json()).toEqual({ chunked: true });
  });

  it("compressed bytes unchanged, with their content-encoding", async () => {
    // node:http, not fetch: fetch would inflate them
    const { headers, body } = await rawGet("/api/concerts/gzipped");
    expect(headers["content-encoding"]).toBe("gzip");
    expect(body.equals(GZIPPED)).toBe(true);
  });

  it("to HEAD, with the length of the body it does not send", async () => {
    const response = await call("/api/concerts/small", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(SMALL.length));
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it("as 204 with no body", async () => {
    const response = await call("/api/concerts/no-content");
    expect(response.status).toBe(204);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });
});

describe("a service that fails in the middle of its answer", () => {
  it("gets a 502 with a detail, not half a body, when its connection breaks", async () => {
    const response = await call("/api/concerts/cut-short");
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ detail: "The catalog service failed to answer" });
  });

  it("gets a 504 with a detail when it falls silent past the timeout", async () => {
    const response = await call("/api/concerts/stalls");
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ detail: "The catalog service did not answer in time" });
  });
});
