import swaggerUi from "@fastify/swagger-ui";
import type { AppContext } from "../app-context.js";
import { MergedOpenApi } from "../docs/merged-openapi.js";
import { routeTable } from "../routing/route-table.js";

/** FastAPI's ReDoc page, the same way: the standalone bundle from a CDN, reading /openapi.json. */
const REDOC_PAGE = `<!DOCTYPE html>
<html>
  <head>
    <title>Concert Tickets API - ReDoc</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"></script>
  </body>
</html>`;

/**
 * What FastAPI serves besides the API: `GET /` (the seed's health check), `/docs` (Swagger UI),
 * `/redoc` and `/openapi.json` — here every service's document, merged into one API.
 */
export async function docsRoutes({ app, config }: AppContext): Promise<void> {
  const docs = new MergedOpenApi(routeTable(config));
  app.get("/", { schema: { hide: true } }, async () => ({
    message: "Concert Tickets API",
    docs: "/docs",
  }));
  app.get("/openapi.json", { schema: { hide: true } }, async () => docs.document());
  app.get("/redoc", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(REDOC_PAGE),
  );
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: true,
    transformSpecification: () => docs.document(),
    transformSpecificationClone: false,
    uiConfig: { persistAuthorization: true },
  });
  app.addHook("onReady", () => docs.start());
  app.addHook("onClose", async () => docs.stop());
}
