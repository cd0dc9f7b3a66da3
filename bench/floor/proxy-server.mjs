// A bare reverse proxy: node:http in, undici's pool out (as the gateway forwards), every request
// passed to UPSTREAM with its body and answered with the upstream's status and body. No token
// check, no headers rewritten: what one more HTTP hop costs on this machine, and nothing else.
//   UPSTREAM (http://127.0.0.1:port), PORT, PIPELINING (requests in flight per connection, as
//   the gateway's UPSTREAM_PIPELINING; 1 = one at a time)
//   HEADERS=1  carry the headers the gateway carries, with none of its code: the client's
//              headers to the upstream (the token among them) with a request id and
//              X-Forwarded-For, and the upstream's headers back with the gateway's browser
//              headers (helmet's, `Vary: Origin`) and the request id.
//              What any proxy that forwards what the services need and answers browsers costs.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { Pool } from "undici";

const pipelining = Number(process.env.PIPELINING ?? 1);
const upstream = new Pool(process.env.UPSTREAM, { connections: 64, pipelining });
// undici pipelines a POST only when told it may (as the gateway's dispatcher tells it).
const pipelined = pipelining > 1 ? { idempotent: true, blocking: false } : {};
const carried = process.env.HEADERS === "1";

// The gateway's own header values (a constant it works out at start; no per-request code of it).
const browser = carried
  ? (await import("../../services/gateway/dist/browser/browser-headers.js")).browserHeaders()
  : {};
const NOT_SENT = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
]);

function without(headers, dropped) {
  const kept = {};
  for (const name in headers) if (!dropped.has(name)) kept[name] = headers[name];
  return kept;
}

createServer((request, response) => {
  const chunks = [];
  const id = carried ? randomUUID() : undefined;
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    upstream
      .request({
        method: request.method,
        path: request.url,
        headers: carried
          ? {
              ...without(request.headers, NOT_SENT),
              "x-request-id": id,
              "x-forwarded-for": request.socket.remoteAddress,
            }
          : { "content-type": "application/json" },
        body: Buffer.concat(chunks),
        ...pipelined,
      })
      .then(async ({ statusCode, headers, body }) => {
        const text = await body.text();
        const answer = carried
          ? { ...browser, ...without(headers, NOT_SENT), "x-request-id": id }
          : { "content-type": "application/json" };
        response.writeHead(statusCode, answer).end(text);
      })
      .catch((error) => {
        response.writeHead(502, { "content-type": "text/plain" }).end(String(error));
      });
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
