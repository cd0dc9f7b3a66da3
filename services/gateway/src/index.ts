// What other packages may use of the gateway: its definition, so a service's own tests can reach it through the gateway.
export { gatewayService } from "./service.js";
