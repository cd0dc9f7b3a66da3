import { defineService } from "@concert/service-kit";
import { refundsConfig } from "./config.js";
import { PrismaClient } from "./generated/prisma/client.js";

export const refundsService = defineService({
  name: "refunds",
  description: "Refunds.",
  config: refundsConfig,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  // Handlers from src/events/<aggregate>.handlers.ts, each event with a durable consumer of its own.
  consumes: [],
  // Route modules from src/routes/<what-they-serve>.routes.ts, registered in this order.
  routes: [],
});
