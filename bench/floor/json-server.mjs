// What both floor servers share: a pool on DATABASE_URL (POOL_SIZE connections, default 16) and a
// bare node:http server on PORT that parses each request's JSON body and answers what `answer`
// resolves, nothing else. It tells the bench it listens (an IPC "ready").
import { createServer } from "node:http";
import pg from "pg";

export const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 16),
});

/** `answer(body)` resolves `[status, json]`; a rejection answers 500 with its text. */
export function serveJson(answer) {
  createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      answer(JSON.parse(body)).then(
        ([status, json]) => {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(JSON.stringify(json));
        },
        (error) => {
          response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
        },
      );
    });
  }).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
}
