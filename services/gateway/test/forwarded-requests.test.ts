import { once } from "node:events";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeStandIn, listenStandIn, startLoneGateway } from "./lone-gateway.js";

/** What catalog's stand-in received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let service: Server;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;
let received: Received[] = [];
/** The answer of `/api/concerts/held`, kept until a test gives it. */
let held: ServerResponse | undefined;

beforeAll(async () => {
  service = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "";
      received.push({
        method: request.method ?? "",
        url,
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      if (url === "/api/concerts/held") {
        held = response;
        service.emit("held");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ url }));
    });
  });
  const serviceUrl = await listenStandIn(service);
  gateway = await startLoneGateway({
    CATALOG_URLS: serviceUrl,
    BODY_LIMIT_BYTES: "2048",
  });
});
afterAll(async () => {
  await gateway?.close();
  closeStandIn(service);
});
beforeEach(() => {
  received = [];
  held = undefined;
});

/** One request on node:http: the client decides every header and how the body is written. */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; chunks?: Buffer[] } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // The path as written: a URL string would be resolved first (`..` segments removed).
    const request = httpRequest(
      gateway.url,
      {
        path,
        method: options.method ?? "GET",
        headers: { authorization: `Bearer ${gateway.token}`, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on("error", reject);
    for (const chunk of options.chunks ?? []) request.write(chunk);
    request.end();
  });
}

describe("a request's body on its way through the gateway", () => {
  it("reaches the service whole and with its length when the client sent it without one", async () => {
    const parts = [Buffer.from('{"name":'), Buffer.from('"Night"'), Buffer.from("}")];
    const answer = await send("/api/concerts/", {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: parts,
    });
    expect(answer.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]?.body.toString()).toBe('{"name":"Night"}');
    expect(received[0]?.headers["content-length"]).toBe("16");
    expect(received[0]?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("is refused with 413 and a detail past the limit, announced or not, before the service sees it", async () => {
    const big = Buffer.alloc(3000, "x");
    const announced = await send("/api/concerts/", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(big.length) },
      chunks: [big],
    });
    const unannounced = await send("/api/concerts/", {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: [big.subarray(0, 1500), big.subarray(1500)],
    });
    for (const answer of [announced, unannounced]) {
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({ detail: "Request body is too large" });
    }
    expect(received).toHaveLength(0);
    // The connection is still good for the next request.
    expect((await send("/api/concerts/")).status).toBe(200);
  });

  it("of a GET is not forwarded: no route reads one", async () => {
    await send("/api/concerts/", {
      headers: { "content-type": "application/json", "content-length": "2" },
      chunks: [Buffer.from("{}")],
    });
    expect(received[0]?.body.length).toBe(0);
  });
});

describe("a request's URL and headers", () => {
  it("may not climb out of its service's prefix with a '..' segment, plain or escaped", async () => {
    for (const path of ["/api/concerts/../auth/register", "/api/concerts/%2e%2E/auth/login"]) {
      const answer = await send(path);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        detail: "The path may not contain a '..' segment",
      });
    }
    expect(received).toHaveLength(0);
    // Dots that climb nothing pass, in the path and in the query.
    expect((await send("/api/concerts/...?next=../x")).status).toBe(200);
    expect(received.map((each) => each.url)).toEqual(["/api/concerts/...?next=../x"]);
  });

  it("leaves headers about the client's connection behind, the ones it names too", async () => {
    await send("/api/concerts/", {
      headers: { connection: "keep-alive, x-hop-secret", "x-hop-secret": "1", "x-kept": "2" },
    });
    expect(received[0]?.headers["x-hop-secret"]).toBeUndefined();
    expect(received[0]?.headers["x-kept"]).toBe("2");
  });
});

describe("a client that hangs up before the service answers", () => {
  it("leaves the gateway serving: the late answer is dropped and the next request is answered", async () => {
    const client = httpRequest(`${gateway.url}/api/concerts/held`, {
      headers: { authorization: `Bearer ${gateway.token}` },
    });
    client.on("error", () => {}); // the hang-up below
    client.end();
    await once(service, "held");
    client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    held?.writeHead(200, { "content-type": "application/json" });
    held?.end('{"late":true}');

    const next = await send("/api/concerts/");
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toEqual({ url: "/api/concerts/" });
  });
});

describe("a client that pipelines its requests on one connection", () => {
  it("gets every answer, in order, the second's waiting for the first's", async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), "127.0.0.1");
    const request = (path: string) =>
      `GET ${path} HTTP/1.1\r\nhost: gate\r\nauthorization: Bearer ${gateway.token}\r\n\r\n`;
    socket.write(request("/api/concerts/held") + request("/api/concerts/second"));
    // The second is answered by the service while the first is still held there.
    await once(service, "held");
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    held?.writeHead(200, { "content-type": "application/json" });
    held?.end('{"url":"/api/concerts/held"}');
    let text = "";
    socket.setEncoding("utf8");
    for await (const chunk of socket) {
      text += chunk;
      if (text.includes("/api/concerts/second")) break;
    }
    socket.destroy();
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(text.indexOf("/api/concerts/held")).toBeLessThan(text.indexOf("/api/concerts/second"));
  });
});
