import type { ServiceContext } from "@concert/service-kit";
import type { RefundsConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of refunds is given. */
export type AppContext = ServiceContext<RefundsConfig, PrismaClient>;
