import type { ServiceContext } from "@concert/service-kit";
import type { CatalogConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of catalog is given. */
export type AppContext = ServiceContext<CatalogConfig, PrismaClient>;
