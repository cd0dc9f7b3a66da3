// Entry of the outbox relay's worker thread (see RelayThread).
import { parentPort, workerData } from "node:worker_threads";
import { createLogger } from "../logging/logger.js";
import { BrokerLink } from "./broker-link.js";
import { OutboxRelay } from "./outbox-relay.js";
import type { FromRelayThread, RelayThreadData, ToRelayThread } from "./relay-thread.js";

const data = workerData as RelayThreadData;
const port = parentPort;
if (!port) throw new Error("relay-thread-worker runs only as a worker thread");
const logger = createLogger(data.service, data.logLevel).child({ component: "outbox-relay" });

// Only a connection: the service's own link provisions the streams; a publish before they exist
// fails as "broker unavailable" and is tried again.
const broker = new BrokerLink({
  servers: data.natsServers,
  name: `${data.service} outbox relay`,
  logger: logger.child({ component: "nats" }),
  onConnected: async () => {},
});
const relay = new OutboxRelay({
  databaseUrl: data.databaseUrl,
  nats: () => broker.current(),
  subjectPrefix: data.subjectPrefix,
  logger,
  applicationName: `${data.service} outbox relay`,
  passSpacingMs: data.passSpacingMs,
});

port.on("message", (message: ToRelayThread) => {
  if ("wake" in message) relay.wake(message.wake);
  else void stop();
});

await broker.start();
await relay.start();
port.postMessage({ started: true } satisfies FromRelayThread);

async function stop(): Promise<void> {
  await relay.stop();
  await broker.close();
  // Ends this thread only; whatever a library left armed (timers, sockets) goes with it.
  process.exit(0);
}
