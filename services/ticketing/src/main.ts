import { runService } from "@concert/service-kit";
import { ticketingService } from "./service.js";

await runService(ticketingService);
