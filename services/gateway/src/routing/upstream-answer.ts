import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import type { Dispatcher } from "undici";
import type { OwnHeaders } from "./answer-detail.js";
import { connectionOptions, HOP_BY_HOP } from "./hop-by-hop.js";

type Answer = Pick<Dispatcher.ResponseData, "statusCode" | "headers" | "body">;

/**
 * Answers up to this size (every JSON answer of the API) are read whole and written with the
 * headers in one `writeHead` + `end`: a stream piped per request cost more CPU than the bytes
 * themselves. Larger ones (ticket images, exports) keep streaming.
 */
export const BUFFERED_ANSWER_MAX_BYTES = 64 * 1024;

const NOT_PASSED_BACK = new Set(HOP_BY_HOP);

/**
 * The service's answer for the client: its status, its headers over the gateway's own (`own`:
 * browser headers first, the request id last, so a service can neither drop nor forge it), its
 * bytes unchanged, compressed or not. Only a body whose length is announced and small is
 * buffered: HEAD, 204 and 304 announce a length they do not send, and a body of unknown length
 * may be of any size. `fail` answers instead when the service breaks off before the answer is
 * whole (buffered), or when its status or headers are not ones Node can send.
 */
export function sendUpstreamAnswer(
  response: ServerResponse,
  answer: Answer,
  own: OwnHeaders,
  fail: (error: Error) => void,
): void {
  const headers = answerHeaders(answer.headers, own);
  const length = Number(answer.headers["content-length"]);
  if (
    !(length > 0 && length <= BUFFERED_ANSWER_MAX_BYTES) ||
    response.req.method === "HEAD" ||
    answer.statusCode === 204 ||
    answer.statusCode === 304
  ) {
    if (!writeHead(response, answer.statusCode, headers, fail)) {
      answer.body.destroy();
      return;
    }
    // Past the headers, a broken body can only cut the client's connection too.
    pipeline(answer.body, response, (error) => {
      if (error) response.destroy();
    });
    return;
  }
  const chunks: Buffer[] = [];
  answer.body.on("data", (chunk: Buffer) => chunks.push(chunk));
  answer.body.once("error", fail);
  answer.body.once("end", () => {
    if (writeHead(response, answer.statusCode, headers, fail)) {
      response.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    }
  });
}

function answerHeaders(upstream: Answer["headers"], own: OwnHeaders): OutgoingHttpHeaders {
  // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
  const headers: OutgoingHttpHeaders = Object.assign({}, own.browser);
  const named = connectionOptions(upstream.connection);
  for (const name in upstream) {
    if (NOT_PASSED_BACK.has(name) || named?.has(name)) continue;
    headers[name] = upstream[name];
  }
  // The service's own Vary, and Origin still (browser-headers.ts).
  if (upstream.vary !== undefined && headers.vary !== own.browser.vary) {
    headers.vary = `${upstream.vary}, ${own.browser.vary}`;
  }
  return Object.assign(headers, own.requestId);
}

/** False when Node refuses the service's status or a header value: the client gets a 502. */
function writeHead(
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  fail: (error: Error) => void,
): boolean {
  try {
    response.writeHead(status, headers);
    return true;
  } catch (error) {
    fail(error as Error);
    return false;
  }
}
