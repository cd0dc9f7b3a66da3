import { upstreamServices } from "@concert/contracts";
import { type GatewayConfig, upstreamUrlsVariable } from "../config.js";

export interface Upstream {
  /** The service's name, used in error messages and logs. */
  name: string;
  /** Path prefix the gateway forwards to this service, unchanged. */
  prefix: string;
  urls: string[];
}

/** Which service answers which part of the public API: SERVICE_DIRECTORY, with the configured URLs. */
export function routeTable(config: GatewayConfig): Upstream[] {
  const configured = config as unknown as Record<string, string[] | undefined>;
  return upstreamServices().map(({ name, prefix, port }) => ({
    name,
    prefix,
    urls: configured[upstreamUrlsVariable(name)] ?? [
      config.UPSTREAM_URL_TEMPLATE.replaceAll("{service}", name).replaceAll("{port}", String(port)),
    ],
  }));
}

/**
 * Requests anyone may make without a token. Everything else is refused at the gateway unless it
 * carries a valid token, and verified again by the service behind it.
 */
export const PUBLIC_ROUTES: ReadonlyArray<{ method: string; path: string }> = [
  { method: "POST", path: "/api/auth/register" },
  { method: "POST", path: "/api/auth/login" },
  { method: "GET", path: "/api/auth/jwks.json" },
];

/**
 * The hot, short routes the gateway sends pipelined (upstream-dispatcher.ts): many on one
 * connection, so a burst of them costs each side one wake-up instead of one per request.
 */
export const PIPELINED_ROUTES: ReadonlyArray<{ method: string; path: string }> = [
  { method: "POST", path: "/api/scans/" },
  { method: "POST", path: "/api/tickets/purchase" },
];

/** `POST /api/scans/` for a request to `/api/scans/?x=1`. */
export function routeKey(method: string, path: string): string {
  const query = path.indexOf("?");
  return `${method} ${query === -1 ? path : path.slice(0, query)}`;
}
