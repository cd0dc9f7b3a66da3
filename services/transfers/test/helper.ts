import { gatewayService } from "@concert/gateway";
import { startBehindGateway } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { transfersService } from "../src/service.js";

/** Transfers as `main` starts it, behind a real gateway, on this run's database and broker. */
export const startTestTransfers = (infra: TestInfra) =>
  startBehindGateway(transfersService, gatewayService, testEnv(infra));

export type TestTransfers = Awaited<ReturnType<typeof startTestTransfers>>;
