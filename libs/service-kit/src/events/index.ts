export { BrokerLink, type BrokerLinkOptions, type BrokerState } from "./broker-link.js";
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
export {
  type ConsumedEvent,
  type EventHandler,
  handlerFor,
  isProjection,
} from "./event-handler.js";
export {
  type EventProjection,
  type ProjectionColumn,
  projectionFor,
  runProjection,
} from "./event-projection.js";
export { eventTablesSql } from "./event-tables.js";
export { type ConnectNatsOptions, connectNats } from "./nats-connection.js";
export { type OutboxBacklog, outboxBacklog } from "./outbox-backlog.js";
export { claimBatchSql, OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export {
  eventRecorded,
  type RelayWake,
  wakeAfterCommit,
  wakeOnRecord,
} from "./outbox-wake.js";
export { isBrokerUnavailable } from "./publish-errors.js";
export {
  buildEnvelope,
  type RecordEventOptions,
  type RecordingStatement,
  recordEvent,
  recordEvents,
  recordEventWith,
} from "./record-event.js";
export {
  type BatchEvent,
  type RecordingBatchStatement,
  recordEventsWith,
} from "./record-events-with.js";
export {
  type RetentionPolicy,
  RetentionPruner,
  type RetentionPrunerOptions,
} from "./retention-pruner.js";
export type { SqlClient, TransactionRunner } from "./sql-client.js";
export {
  DEFAULT_STREAM_RETENTION,
  ensureStreams,
  type StreamNames,
  type StreamRetention,
  sanitizeName,
  streamNames,
} from "./streams.js";
