import { defineService } from "@concert/service-kit";
import { identityConfig, identityProductionProblems } from "./config.js";
import { bootstrapAdmin } from "./domain/bootstrap-admin.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { authRoutes } from "./routes/auth.routes.js";
import { usersRoutes } from "./routes/users.routes.js";

export const identityService = defineService({
  name: "identity",
  description: "Accounts, roles and login: the only place access tokens are minted.",
  config: identityConfig,
  productionProblems: identityProductionProblems,
  keys: { tokens: "sign" },
  database: {
    prismaDir: new URL("../prisma", import.meta.url),
    createPrisma: (options) => new PrismaClient(options),
  },
  routes: [authRoutes, usersRoutes],
  beforeServe: ({ prisma, config, logger }) => bootstrapAdmin(prisma, config, logger),
});
