import { upstreamServices } from "@concert/contracts";
import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

/** A comma-separated list of base URLs: the replicas of one service. */
const urlList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((url) => url.trim().replace(/\/+$/, ""))
      .filter(Boolean),
  )
  .pipe(z.array(z.url()).min(1));

/** `<SERVICE>_URLS` for every service behind the gateway, e.g. `ATTENDANCE_URLS`. */
export const upstreamUrlsVariable = (service: string) => `${service.toUpperCase()}_URLS`;

/**
 * Requests are spread over each upstream's `<SERVICE>_URLS`, so a service scales by running more
 * replicas and naming them there. Unset, a service is `UPSTREAM_URL_TEMPLATE` with its name and
 * its port in SERVICE_DIRECTORY filled in: its local port on one machine, its compose service
 * name in containers.
 */
export const gatewayConfig = {
  ...(Object.fromEntries(
    upstreamServices().map(({ name }) => [upstreamUrlsVariable(name), urlList.optional()]),
  ) as Record<never, never>),
  UPSTREAM_URL_TEMPLATE: z
    .string()
    .default("http://127.0.0.1:{port}")
    .refine((value) => /^https?:\/\//.test(value), "must be an http(s) URL with {service}/{port}"),
  /** An upstream that has not answered by then gives 504. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
  /**
   * Requests of PIPELINED_ROUTES one connection to a service carries before its first answer;
   * more concurrent ones open more connections. 1 turns pipelining off.
   */
  UPSTREAM_PIPELINING: z.coerce.number().int().min(1).max(64).default(16),
};

export type GatewayConfig = ServiceConfig<typeof gatewayConfig>;
