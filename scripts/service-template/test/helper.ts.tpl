import { gatewayService } from "@concert/gateway";
import { startBehindGateway } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { __name__Service } from "../src/service.js";

/** __Name__ as `main` starts it, behind a real gateway, on this run's database and broker. */
export const startTest__Name__ = (infra: TestInfra) =>
  startBehindGateway(__name__Service, gatewayService, testEnv(infra));

export type Test__Name__ = Awaited<ReturnType<typeof startTest__Name__>>;
