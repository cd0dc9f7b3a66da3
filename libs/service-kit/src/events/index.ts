export { DeadLetterHeaders, deadLetterSubject } from "./dead-letter.js";
export {
  type DeadLetter,
  dropDeadLetter,
  listDeadLetters,
  type ReplayResult,
  replayDeadLetter,
} from "./dead-letter-admin.js";
export {
  consumerBacklog,
  durableName,
  EventConsumer,
  type EventConsumerOptions,
  waitUntilHandled,
} from "./event-consumer.js";
export { type EventHandler, handlerFor } from "./event-handler.js";
export { eventTablesSql } from "./event-tables.js";
export { type ConnectNatsOptions, connectNats } from "./nats-connection.js";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export {
  buildEnvelope,
  type RecordEventOptions,
  type RecordingStatement,
  recordEvent,
  recordEvents,
  recordEventWith,
} from "./record-event.js";
export type { SqlClient, TransactionRunner } from "./sql-client.js";
export { ensureStreams, type StreamNames, sanitizeName, streamNames } from "./streams.js";
