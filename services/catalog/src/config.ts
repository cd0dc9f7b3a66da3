import { loadServiceConfig } from "@concert/service-kit";

export function loadCatalogConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig({ service: "catalog", defaultPort: 8002 }, env);
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
