import { defineService } from "@concert/service-kit";
import { transfersConfig } from "./config.js";
import { PrismaClient } from "./generated/prisma/client.js";

export const transfersService = defineService({
  name: "transfers",
  description: "Transfers.",
  config: transfersConfig,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  // Handlers from src/events/<aggregate>.handlers.ts, each event with a durable consumer of its own.
  consumes: [],
  // Route modules from src/routes/<what-they-serve>.routes.ts, registered in this order.
  routes: [],
});
