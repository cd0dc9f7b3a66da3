import type { KeyObject } from "node:crypto";
import type { Guards, ServiceApp } from "@concert/service-kit";
import type { TicketingConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of ticketing is given. */
export interface AppContext {
  app: ServiceApp;
  prisma: PrismaClient;
  config: TicketingConfig;
  guards: Guards;
  codeSigningKey: KeyObject;
}
