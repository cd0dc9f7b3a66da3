import { startBehindGateway } from "@concert/service-kit/testing";
import { describeServiceWiring, startForFile, testEnv } from "@concert/testing";
import { transfersService } from "@concert/transfers";
import { gatewayService } from "../src/service.js";

// Here rather than in services/transfers: the gateway's test stack starts transfers, so transfers
// cannot depend on the gateway package in turn (turbo refuses a cycle).
const { service: transfers } = startForFile((infra) =>
  startBehindGateway(transfersService, gatewayService, testEnv(infra)),
);

describeServiceWiring(transfers, { schema: "transfers", prefix: "/api/transfers" });
