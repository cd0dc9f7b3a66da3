import { runService } from "@concert/service-kit";
import { catalogService } from "./service.js";

await runService(catalogService);
