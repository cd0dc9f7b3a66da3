import type { ServiceContext } from "@concert/service-kit";
import type { __Name__Config } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of __name__ is given. */
export type AppContext = ServiceContext<__Name__Config, PrismaClient>;
