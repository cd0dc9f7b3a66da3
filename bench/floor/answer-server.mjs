// A bare node:http server that answers every request with a scan-sized JSON body once it has read
// the request: the least any HTTP service does per request (bench/rate-cost.bench.mjs).
//   PORT
import { createServer } from "node:http";

const body = JSON.stringify({
  result: "admitted",
  ticket_id: "00000000-0000-4000-8000-000000000001",
  scan_id: "00000000-0000-4000-9000-000000000001",
  scanned_at: "2026-11-28T10:00:00.000Z",
  gate: "A",
});

createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
