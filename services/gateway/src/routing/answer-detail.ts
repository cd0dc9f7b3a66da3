import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** The headers the gateway puts on every answer: browser headers first, the request id last. */
export interface OwnHeaders {
  browser: Readonly<OutgoingHttpHeaders>;
  requestId: Readonly<OutgoingHttpHeaders>;
}

/**
 * The gateway's own answer, in the API's `{detail}` shape, with its own headers and `extra` (a
 * 401's `www-authenticate`). Once the service's answer has begun, no other can follow: the
 * connection is cut, so the client sees a broken answer, never a spliced one.
 */
export function answerDetail(
  response: ServerResponse,
  own: OwnHeaders,
  status: number,
  detail: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ detail });
  response.writeHead(status, {
    ...own.browser,
    ...extra,
    ...own.requestId,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
