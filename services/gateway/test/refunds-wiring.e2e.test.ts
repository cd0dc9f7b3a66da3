import { refundsService } from "@concert/refunds";
import { startBehindGateway } from "@concert/service-kit/testing";
import { describeServiceWiring, startForFile, testEnv } from "@concert/testing";
import { gatewayService } from "../src/service.js";

// Here rather than in services/refunds: the gateway's test stack starts refunds, so refunds
// cannot depend on the gateway package in turn (turbo refuses a cycle).
const { service: refunds } = startForFile((infra) =>
  startBehindGateway(refundsService, gatewayService, testEnv(infra)),
);

describeServiceWiring(refunds, { schema: "refunds", prefix: "/api/refunds" });
