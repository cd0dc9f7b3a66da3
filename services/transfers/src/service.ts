import { defineService } from "@concert/service-kit";
import { transfersConfig } from "./config.js";
import { transfersEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { transfersRoutes } from "./routes/transfers.routes.js";

export const transfersService = defineService({
  name: "transfers",
  description:
    "Ticket transfers and their saga: holders offer, recipients accept, the gate arbitrates against admission and refunds, ticketing hands the ticket over.",
  config: transfersConfig,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  // Handlers from src/events/<aggregate>.handlers.ts, each event with a durable consumer of its own.
  consumes: transfersEventHandlers,
  // Route modules from src/routes/<what-they-serve>.routes.ts, registered in this order.
  routes: [transfersRoutes],
});
