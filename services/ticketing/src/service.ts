import { defineService } from "@concert/service-kit";
import { ticketingConfig } from "./config.js";
import { CodeDigestBackfill } from "./domain/code-digest-backfill.js";
import { ticketingEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { salesReportRoutes } from "./routes/sales-report.routes.js";
import { ticketCommandRoutes } from "./routes/ticket-commands.routes.js";
import { ticketQueryRoutes } from "./routes/ticket-queries.routes.js";

export const ticketingService = defineService({
  name: "ticketing",
  description:
    "Tickets, their signed QR codes and their sale. Learns concerts and accounts from events.",
  config: ticketingConfig,
  keys: { ticketCodes: "sign" },
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  consumes: (keys) => ticketingEventHandlers(keys.ticketCodeSigning),
  routes: [ticketCommandRoutes, ticketQueryRoutes, salesReportRoutes],
  // Tickets issued before ticketing kept code digests get theirs while it serves.
  beforeServe: async ({ app, prisma, keys, logger }) => {
    const backfill = new CodeDigestBackfill(prisma, keys.ticketCodeSigning, logger);
    app.addHook("onClose", () => backfill.close());
    backfill.start();
  },
});
