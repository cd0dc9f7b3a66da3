import { defineService } from "@concert/service-kit";
import { gatewayConfig } from "./config.js";
import { gatewayFrontDoor } from "./front-door.js";
import { docsRoutes } from "./routes/docs.routes.js";

export const gatewayService = defineService({
  name: "gateway",
  description:
    "The one public entry: checks tokens, forwards each API prefix to its service and serves the merged documentation at /docs.",
  config: gatewayConfig,
  routes: [docsRoutes],
  frontDoor: gatewayFrontDoor,
  ownOpenApiDocument: false,
});
