import { fileURLToPath } from "node:url";
import {
  type Logger,
  loadVerificationKey,
  openServiceInfrastructure,
  startedService,
} from "@concert/service-kit";
import { loadTicketCodeVerifyKey } from "@concert/ticket-codes";
import { buildApp } from "./app.js";
import type { AttendanceConfig } from "./config.js";
import { attendanceEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";

/** Opens what attendance needs and builds its app: shared by `main` and the tests. */
export async function startAttendance(config: AttendanceConfig, logger: Logger) {
  // Keys first: a missing key should stop the start before any connection is opened.
  const ticketCodeKey = loadTicketCodeVerifyKey(config);
  const verification = loadVerificationKey(config);
  const infra = await openServiceInfrastructure({
    config,
    logger,
    prismaDir: fileURLToPath(new URL("../prisma", import.meta.url)),
    createPrisma: (options) => new PrismaClient(options),
    handlers: attendanceEventHandlers,
    transaction: (prisma) => (work) => prisma.$transaction(work),
  });
  const app = await buildApp({
    config,
    logger,
    prisma: infra.prisma,
    verification,
    ticketCodeKey,
    readiness: infra.readiness,
  });
  return startedService(app, config, infra);
}
