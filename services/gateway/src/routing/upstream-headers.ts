import type { IncomingMessage } from "node:http";
import { REQUEST_ID_HEADER } from "@concert/service-kit";
import { IDENTITY_HEADERS } from "../auth/identity-headers.js";
import { connectionOptions, HOP_BY_HOP } from "./hop-by-hop.js";

/**
 * What the service is not sent of the client's headers: those about the client's connection,
 * identity claims, `host` and `content-length` (undici writes the service's and the body's own),
 * `expect` (the gateway read the body already), and the two the gateway writes itself.
 */
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  ...IDENTITY_HEADERS,
  "host",
  "content-length",
  "expect",
  REQUEST_ID_HEADER,
  "x-forwarded-for",
]);

/**
 * The client's headers for the service, in one new object. The service logs under the gateway's
 * request id, so one id follows a request everywhere. X-Forwarded-For is replaced, never
 * appended to: services trust it from the gateway only, so it must hold the address the gateway
 * saw, not one the client wrote.
 */
export function upstreamHeaders(
  request: IncomingMessage,
  requestId: string,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const sent = request.headers;
  const named = connectionOptions(sent.connection);
  for (const name in sent) {
    const value = sent[name];
    if (value === undefined || NOT_FORWARDED.has(name) || named?.has(name)) continue;
    headers[name] = value;
  }
  headers[REQUEST_ID_HEADER] = requestId;
  const address = request.socket.remoteAddress;
  if (address !== undefined) headers["x-forwarded-for"] = address;
  return headers;
}
