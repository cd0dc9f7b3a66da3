import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import type { AppContext } from "../app-context.js";

/** What browsers need of the one public entry: security headers and the allowed origins. */
export async function browserSecurityRoutes({ app, config }: AppContext): Promise<void> {
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes("*") ? true : config.CORS_ORIGINS,
    credentials: !config.CORS_ORIGINS.includes("*"),
  });
}
