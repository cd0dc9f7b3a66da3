import { gatewayService } from "@concert/gateway";
import { startBehindGateway } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { refundsService } from "../src/service.js";

/** Refunds as `main` starts it, behind a real gateway, on this run's database and broker. */
export const startTestRefunds = (infra: TestInfra) =>
  startBehindGateway(refundsService, gatewayService, testEnv(infra));

export type TestRefunds = Awaited<ReturnType<typeof startTestRefunds>>;
