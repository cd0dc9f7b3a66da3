import type { ServiceContext } from "@concert/service-kit";
import type { GatewayConfig } from "./config.js";

/** What every route module of the gateway is given (it owns no database). */
export type AppContext = ServiceContext<GatewayConfig>;
