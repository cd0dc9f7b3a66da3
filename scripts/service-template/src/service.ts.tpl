import { defineService } from "@concert/service-kit";
import { __name__Config } from "./config.js";
import { PrismaClient } from "./generated/prisma/client.js";

export const __name__Service = defineService({
  name: "__name__",
  description: "__Name__.",
  config: __name__Config,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  // Handlers from src/events/<aggregate>.handlers.ts, each event with a durable consumer of its own.
  consumes: [],
  // Route modules from src/routes/<what-they-serve>.routes.ts, registered in this order.
  routes: [],
});
