import type { KeyObject } from "node:crypto";
import {
  buildServiceApp,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type VerificationKey,
} from "@concert/service-kit";
import type { AttendanceConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { attendanceReportRoutes } from "./routes/attendance-report.routes.js";
import { scansRoutes } from "./routes/scans.routes.js";

export interface AppDeps {
  config: AttendanceConfig;
  logger: Logger;
  prisma: PrismaClient;
  verification: VerificationKey;
  ticketCodeKey: KeyObject;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * Attendance: the gate scanner. Decides from its own read model and the QR signature, so it keeps
 * admitting while ticketing, catalog and identity are down.
 */
export async function buildApp(deps: AppDeps): Promise<ServiceApp> {
  const { app, guards } = await buildServiceApp({
    title: "attendance",
    logger: deps.logger,
    readiness: deps.readiness,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    verification: deps.verification,
  });
  const context = {
    app,
    prisma: deps.prisma,
    config: deps.config,
    guards,
    ticketCodeKey: deps.ticketCodeKey,
  };
  scansRoutes(context);
  attendanceReportRoutes(context);
  return app;
}
