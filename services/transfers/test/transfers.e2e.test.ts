import { describeServiceWiring, startForFile } from "@concert/testing";
import { startTestTransfers } from "./helper.js";

const { service: transfers } = startForFile(startTestTransfers);

describeServiceWiring(transfers, { schema: "transfers", prefix: "/api/transfers" });
