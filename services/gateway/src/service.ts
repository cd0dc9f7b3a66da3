import { defineService } from "@concert/service-kit";
import { gatewayConfig } from "./config.js";
import { browserSecurityRoutes } from "./routes/browser-security.routes.js";
import { docsRoutes } from "./routes/docs.routes.js";
import { proxyRoutes } from "./routes/proxy.routes.js";

export const gatewayService = defineService({
  name: "gateway",
  description:
    "The one public entry: checks tokens, forwards each API prefix to its service and serves the merged documentation at /docs.",
  config: gatewayConfig,
  routes: [browserSecurityRoutes, docsRoutes, proxyRoutes],
  ownOpenApiDocument: false,
});
