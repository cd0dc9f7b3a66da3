import { runService } from "@concert/service-kit";
import { transfersService } from "./service.js";

await runService(transfersService);
