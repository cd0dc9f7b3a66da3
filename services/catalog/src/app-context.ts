import type { Guards, ServiceApp } from "@concert/service-kit";
import type { CatalogConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of catalog is given. */
export interface AppContext {
  app: ServiceApp;
  prisma: PrismaClient;
  config: CatalogConfig;
  guards: Guards;
}
