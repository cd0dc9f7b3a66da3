import { upstreamServices } from "@concert/contracts";
import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

const urlList = (fallback: string) =>
  z
    .string()
    .default(fallback)
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
 * Each upstream is a comma-separated list of base URLs, defaulting to the service's local port in
 * SERVICE_DIRECTORY; requests are spread over the list, so a service scales by running more
 * replicas and naming them here.
 */
export const gatewayConfig = {
  ...(Object.fromEntries(
    upstreamServices().map(({ name, port }) => [
      upstreamUrlsVariable(name),
      urlList(`http://127.0.0.1:${port}`),
    ]),
  ) as Record<never, never>),
  /** An upstream that has not answered by then gives 504. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
};

export type GatewayConfig = ServiceConfig<typeof gatewayConfig>;
