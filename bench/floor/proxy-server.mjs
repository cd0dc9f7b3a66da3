// A bare reverse proxy: node:http in, undici's pool out (as the gateway forwards), every request
// passed to UPSTREAM with its body and answered with the upstream's status and body. No token
// check, no headers rewritten: what one more HTTP hop costs on this machine, and nothing else.
//   UPSTREAM (http://127.0.0.1:port), PORT, PIPELINING (requests in flight per connection, as
//   the gateway's UPSTREAM_PIPELINING; 1 = one at a time)
import { createServer } from "node:http";
import { Pool } from "undici";

const pipelining = Number(process.env.PIPELINING ?? 1);
const upstream = new Pool(process.env.UPSTREAM, { connections: 64, pipelining });
// undici pipelines a POST only when told it may (as the gateway's dispatcher tells it).
const pipelined = pipelining > 1 ? { idempotent: true, blocking: false } : {};

createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    upstream
      .request({
        method: request.method,
        path: request.url,
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
        ...pipelined,
      })
      .then(async ({ statusCode, body }) => {
        const text = await body.text();
        response.writeHead(statusCode, { "content-type": "application/json" }).end(text);
      })
      .catch((error) => {
        response.writeHead(502, { "content-type": "text/plain" }).end(String(error));
      });
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
