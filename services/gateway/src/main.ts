import { runService } from "@concert/service-kit";
import { gatewayService } from "./service.js";

await runService(gatewayService);
