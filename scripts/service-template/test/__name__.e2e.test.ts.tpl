import { describeServiceWiring, startForFile } from "@concert/testing";
import { startTest__Name__ } from "./helper.js";

const { service: __name__ } = startForFile(startTest__Name__);

describeServiceWiring(__name__, { schema: "__name__", prefix: "__prefix__" });
