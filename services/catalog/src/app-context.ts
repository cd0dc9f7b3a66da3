import type { ServiceContext, TransactionClientOf } from "@concert/service-kit";
import type { CatalogConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of catalog is given. */
export type AppContext = ServiceContext<CatalogConfig, PrismaClient>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
