import type { ServiceContext, TransactionClientOf } from "@concert/service-kit";
import type { TransfersConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of transfers is given. */
export type AppContext = ServiceContext<TransfersConfig, PrismaClient>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
