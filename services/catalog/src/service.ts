import { defineService } from "@concert/service-kit";
import { catalogConfig } from "./config.js";
import { catalogEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { concertsRoutes } from "./routes/concerts.routes.js";

export const catalogService = defineService({
  name: "catalog",
  description:
    "Concerts: created, changed, cancelled and deleted here, announced to every other service.",
  config: catalogConfig,
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  consumes: catalogEventHandlers,
  routes: [concertsRoutes],
});
