import { runService } from "@concert/service-kit";
import { refundsService } from "./service.js";

await runService(refundsService);
