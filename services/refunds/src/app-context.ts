import type { ServiceContext, TransactionClientOf } from "@concert/service-kit";
import type { RefundsConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of refunds is given. */
export type AppContext = ServiceContext<RefundsConfig, PrismaClient>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
