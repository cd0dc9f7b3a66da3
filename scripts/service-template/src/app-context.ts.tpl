import type { ServiceContext, TransactionClientOf } from "@concert/service-kit";
import type { __Name__Config } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of __name__ is given. */
export type AppContext = ServiceContext<__Name__Config, PrismaClient>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
