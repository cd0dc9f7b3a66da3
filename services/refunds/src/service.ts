import { defineService } from "@concert/service-kit";
import { refundsConfig } from "./config.js";
import { refundsEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { refundsRoutes } from "./routes/refunds.routes.js";

export const refundsService = defineService({
  name: "refunds",
  description:
    "Refund requests and their saga: holders ask, admins decide, the gate arbitrates against admission, ticketing refunds, the payment seam pays back.",
  config: refundsConfig,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  // Handlers from src/events/<aggregate>.handlers.ts, each event with a durable consumer of its own.
  consumes: refundsEventHandlers,
  // Route modules from src/routes/<what-they-serve>.routes.ts, registered in this order.
  routes: [refundsRoutes],
});
