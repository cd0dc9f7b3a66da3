import { defineService } from "@concert/service-kit";
import { attendanceConfig } from "./config.js";
import { attendanceEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { attendanceReportRoutes } from "./routes/attendance-report.routes.js";
import { scansRoutes } from "./routes/scans.routes.js";

export const attendanceService = defineService({
  name: "attendance",
  description:
    "The gate scanner. Decides from its own copy of the tickets and the QR signature, so it keeps admitting while ticketing, catalog and identity are down.",
  config: attendanceConfig,
  keys: { ticketCodes: "verify" },
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  consumes: attendanceEventHandlers,
  routes: [scansRoutes, attendanceReportRoutes],
});
