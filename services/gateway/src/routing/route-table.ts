import type { GatewayConfig } from "../config.js";

export interface Upstream {
  /** The service's name, used in error messages and logs. */
  name: string;
  /** Path prefix the gateway forwards to this service, unchanged. */
  prefix: string;
  urls: string[];
}

/** Which service answers which part of the public API. */
export function routeTable(config: GatewayConfig): Upstream[] {
  return [
    { name: "identity", prefix: "/api/auth", urls: config.IDENTITY_URLS },
    { name: "catalog", prefix: "/api/concerts", urls: config.CATALOG_URLS },
    { name: "ticketing", prefix: "/api/tickets", urls: config.TICKETING_URLS },
    { name: "attendance", prefix: "/api/scans", urls: config.ATTENDANCE_URLS },
    { name: "refunds", prefix: "/api/refunds", urls: config.REFUNDS_URLS },
    { name: "transfers", prefix: "/api/transfers", urls: config.TRANSFERS_URLS },
  ];
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
