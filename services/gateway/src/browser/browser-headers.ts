import { securityHeaders } from "./security-headers.js";

/**
 * The headers every answer of the gateway carries, worked out once: helmet's, and `Vary: Origin`
 * because a request with an Origin is answered with CORS headers one without it does not get
 * (cors.ts), so a cache must keep them apart.
 */
export function browserHeaders(): Readonly<Record<string, string>> {
  return Object.freeze({ ...securityHeaders(), vary: "Origin" });
}
