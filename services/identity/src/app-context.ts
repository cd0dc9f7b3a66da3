import type { Guards, ServiceApp, SigningKey } from "@concert/service-kit";
import type { IdentityConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of identity is given. */
export interface AppContext {
  app: ServiceApp;
  prisma: PrismaClient;
  config: IdentityConfig;
  guards: Guards;
  signing: SigningKey;
}
