// The bare reverse proxy of proxy-server.mjs with HTTP/2 behind it: node:http in, and out over
// cleartext HTTP/2 (prior knowledge, node:http2's client) on SESSIONS connections, each request a
// stream. HTTP/2 writes the frames of every stream ready in one turn of the event loop together,
// where HTTP/1.1 pipelining writes each request and each answer on its own: what the gateway →
// attendance hop would cost on HTTP/2 (docs/BENCHMARKS.md).
//   UPSTREAM (http://127.0.0.1:port, an HTTP/2 cleartext server), PORT, SESSIONS (default 1)
import { createServer } from "node:http";
import { connect, constants } from "node:http2";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS } = constants;
// Opened at the first request, and again after one closed (the upstream may start after this).
const sessions = Array.from({ length: Number(process.env.SESSIONS ?? 1) });
let next = 0;

function session() {
  const slot = next++ % sessions.length;
  let open = sessions[slot];
  if (!open || open.closed || open.destroyed) {
    open = connect(process.env.UPSTREAM);
    open.on("error", () => {});
    sessions[slot] = open;
  }
  return open;
}

createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const stream = session().request(
      {
        [HTTP2_HEADER_METHOD]: request.method,
        [HTTP2_HEADER_PATH]: request.url,
        "content-type": "application/json",
      },
      { endStream: body.length === 0 },
    );
    let status = 502;
    const answer = [];
    stream.on("response", (headers) => {
      status = headers[HTTP2_HEADER_STATUS];
    });
    stream.on("data", (chunk) => answer.push(chunk));
    stream.on("end", () => {
      response.writeHead(status, { "content-type": "application/json" }).end(Buffer.concat(answer));
    });
    stream.on("error", (error) => {
      response.writeHead(502, { "content-type": "text/plain" }).end(String(error));
    });
    if (body.length > 0) stream.end(body);
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
