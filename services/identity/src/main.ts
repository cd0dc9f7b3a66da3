import { runService } from "@concert/service-kit";
import { identityService } from "./service.js";

await runService(identityService);
