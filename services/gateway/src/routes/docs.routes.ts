import swaggerUi from "@fastify/swagger-ui";
import type { AppContext } from "../app-context.js";
import { MergedOpenApi } from "../docs/merged-openapi.js";
import { routeTable } from "../routing/route-table.js";

/** `/docs` and `/openapi.json`: every service's document, merged into one API. */
export async function docsRoutes({ app, config }: AppContext): Promise<void> {
  const docs = new MergedOpenApi(routeTable(config));
  app.get("/openapi.json", { schema: { hide: true } }, async () => docs.document());
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
