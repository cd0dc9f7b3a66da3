import cors from "@fastify/cors";
import type { AppContext } from "../app-context.js";
import { securityHeaders } from "./security-headers.js";

/** Every method the API routes: a browser app on another origin may use all of them. */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
/** What clients send (axios, fetch, the scanner app) and what they may read back. */
const REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"];
const EXPOSED_HEADERS = [
  "Content-Disposition",
  "Idempotent-Replayed",
  "Retry-After",
  "X-Request-Id",
  "X-Request-Id-Replaced",
];

/** What browsers need of the one public entry: security headers and the allowed origins. */
export async function browserSecurityRoutes({ app, config }: AppContext): Promise<void> {
  const headers = securityHeaders();
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes("*") ? true : config.CORS_ORIGINS,
    credentials: !config.CORS_ORIGINS.includes("*"),
    methods: METHODS,
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
