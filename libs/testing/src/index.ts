export { deadlocksOnceIdle, deadlocksSoFar, rawSession, someoneWaitsOn } from "./deadlocks.js";
export { freePort } from "./free-port.js";
export {
  type NatsServerProcess,
  type NatsServerProcessOptions,
  startNatsServerProcess,
} from "./nats-server-process.js";
export { eventProcessed, type OutboxRow, outboxEvents } from "./outbox-events.js";
export { eventually, type PublishOptions, publishEvent } from "./publish-event.js";
export { describeServiceWiring } from "./service-wiring.specs.js";
export { startForFile } from "./start-for-file.js";
export { startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp-proxy.js";
export { testEnv } from "./test-env.js";
export {
  NO_INFRA,
  startTestInfra,
  type TestInfra,
  withClient,
  withDatabase,
} from "./test-infra.js";
