import { describeServiceWiring, startForFile } from "@concert/testing";
import { startTestRefunds } from "./helper.js";

const { service: refunds } = startForFile(startTestRefunds);

describeServiceWiring(refunds, { schema: "refunds", prefix: "/api/refunds" });
