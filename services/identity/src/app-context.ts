import type { ServiceContext, ServiceKeys, TransactionClientOf } from "@concert/service-kit";
import type { IdentityConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of identity is given: identity alone signs access tokens. */
export type AppContext = ServiceContext<
  IdentityConfig,
  PrismaClient,
  ServiceKeys<{ tokens: "sign" }>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
