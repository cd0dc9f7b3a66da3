import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * Helmet's headers (no CSP: the API answers JSON, and /docs runs Swagger UI's inline scripts),
 * worked out once at start. They are the same for every response, so the plugin's per-request
 * work (it builds helmet's whole middleware chain again for each request) is spent once here.
 */
export function securityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({ contentSecurityPolicy: false })(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    () => {},
  );
  return Object.freeze(headers);
}
