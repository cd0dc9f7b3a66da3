import type { KeyObject } from "node:crypto";
import type { Guards, ServiceApp } from "@concert/service-kit";
import type { AttendanceConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of attendance is given. */
export interface AppContext {
  app: ServiceApp;
  prisma: PrismaClient;
  config: AttendanceConfig;
  guards: Guards;
  /** Ticketing's public Ed25519 key: QR codes are checked with it alone, no database. */
  ticketCodeKey: KeyObject;
}
