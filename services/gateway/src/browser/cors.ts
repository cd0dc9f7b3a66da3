import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";

/** Every method the API routes: a browser app on another origin may use all of them. */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
/** What clients send (axios, fetch, the scanner app) and what they may read back. */
const REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"];
const EXPOSED_HEADERS = [
  "Content-Disposition",
  "Idempotent-Replayed",
  "Retry-After",
  "X-Request-Id",
  "X-Request-Id-Replaced",
];

/**
 * What a browser app on another origin needs (the seed's React frontend is one): `cors` (the
 * expressjs package, written for node:http) sets the allowed-origin headers on the response and
 * answers a preflight itself. It runs only for requests with an `Origin`: nothing else reads
 * these headers, and a scanner or box-office client without one pays nothing for them. Answers
 * say `Vary: Origin` either way (browser-headers.ts).
 *
 * Returns whether it answered the request (a preflight).
 */
export function corsPolicy(origins: readonly string[]) {
  const middleware = cors({
    origin: origins.includes("*") ? true : [...origins],
    credentials: !origins.includes("*"),
    methods: METHODS,
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.headers.origin === undefined) return false;
    let passedOn = false;
    // Synchronous with static options: `next` has run (or the preflight was answered) on return.
    middleware(request, response, () => {
      passedOn = true;
    });
    return !passedOn;
  };
}
