import { loadServiceConfig } from "@concert/service-kit";
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

/**
 * Each upstream is a comma-separated list of base URLs; requests are spread over the list, so a
 * service scales by running more replicas and naming them here.
 */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig(
    {
      service: "gateway",
      defaultPort: 8000,
      extra: {
        IDENTITY_URLS: urlList("http://127.0.0.1:8001"),
        CATALOG_URLS: urlList("http://127.0.0.1:8002"),
        TICKETING_URLS: urlList("http://127.0.0.1:8003"),
        ATTENDANCE_URLS: urlList("http://127.0.0.1:8004"),
        REFUNDS_URLS: urlList("http://127.0.0.1:8005"),
        TRANSFERS_URLS: urlList("http://127.0.0.1:8006"),
        /** An upstream that has not answered by then gives 504. */
        UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
        UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
      },
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
