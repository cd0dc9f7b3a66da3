import { jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { publishAcked } from "./acked-publish.js";
import { DeadLetterHeaders } from "./dead-letter.js";
import { streamNames } from "./streams.js";

/** One message parked in the dead-letter stream, as an operator needs to judge it. */
export interface DeadLetter {
  /** Its sequence in the dead-letter stream: what `replay` and `drop` take. */
  seq: number;
  service: string;
  consumer: string;
  /** Where it was published, and where a replay sends it again. */
  originalSubject: string;
  /** The original's `Nats-Msg-Id` (the event id, as the relay publishes), if it had one. */
  originalMsgId: string | undefined;
  error: string;
  /** Deliveries the consumer had made when it gave up. */
  deliveryCount: number;
  /** When it was dead-lettered. */
  time: Date;
  data: Uint8Array;
}

export interface ReplayResult {
  seq: number;
  originalSubject: string;
  /** The event stream sequence of the republished copy. */
  replayedAs: number;
  /** The broker had this replay already (an earlier replay of the same dead letter, whose delete was lost). */
  duplicate: boolean;
}

/**
 * Every dead letter of the run's subject prefix, oldest first, of one service if named. Walks the
 * stream by sequence: a dead-letter stream is small, and gaps (dropped letters) are skipped.
 */
export async function listDeadLetters(
  nc: NatsConnection,
  subjectPrefix: string,
  options: { service?: string } = {},
): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(nc);
  const stream = streamNames(subjectPrefix).deadLetters;
  const { state } = await jsm.streams.info(stream);
  const letters: DeadLetter[] = [];
  if (state.messages === 0) return letters;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!stored) continue;
    const letter = toDeadLetter(stored, subjectPrefix);
    if (!options.service || letter.service === options.service) letters.push(letter);
  }
  return letters;
}

/**
 * Publishes the dead letter's original bytes to its original subject again, then deletes it from
 * the dead-letter stream (only once the event stream stored the copy).
 *
 * The copy's `Nats-Msg-Id` is not the original's: the event stream would drop a message whose id
 * it saw within its duplicate window (2 min), and a poison message is usually dead-lettered
 * within seconds. It is `<original id>:replay:<dead-letter seq>` instead, so the event id (inside
 * the envelope) is unchanged and running the same replay twice is still deduplicated by the
 * broker. Every consumer of the subject gets the copy; those that applied the event already skip
 * it (processed_events), which is what makes a replay harmless.
 */
export async function replayDeadLetter(
  nc: NatsConnection,
  subjectPrefix: string,
  seq: number,
): Promise<ReplayResult> {
  const jsm = await jetstreamManager(nc);
  const stream = streamNames(subjectPrefix).deadLetters;
  const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
  if (!stored) throw new Error(`no dead letter with sequence ${seq}`);
  const letter = toDeadLetter(stored, subjectPrefix);
  if (!letter.originalSubject) throw new Error(`dead letter ${seq} names no original subject`);
  const ack = await publishAcked(nc, letter.originalSubject, letter.data, {
    msgID: `${letter.originalMsgId ?? "dlq"}:replay:${seq}`,
  });
  await jsm.streams.deleteMessage(stream, seq, false);
  return {
    seq,
    originalSubject: letter.originalSubject,
    replayedAs: ack.seq,
    duplicate: ack.duplicate,
  };
}

/** Deletes a dead letter for good. Resolves false if there was none with that sequence. */
export async function dropDeadLetter(
  nc: NatsConnection,
  subjectPrefix: string,
  seq: number,
): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  return jsm.streams
    .deleteMessage(streamNames(subjectPrefix).deadLetters, seq, false)
    .catch(() => false);
}

function toDeadLetter(stored: StoredMsg, subjectPrefix: string): DeadLetter {
  const header = (name: string) => stored.header?.get(name) || undefined;
  // `<prefix>dlq.<service>.<original subject without prefix>`
  const service = stored.subject.slice(`${subjectPrefix}dlq.`.length).split(".")[0] ?? "";
  return {
    seq: stored.seq,
    service,
    consumer: header(DeadLetterHeaders.Consumer) ?? "",
    originalSubject: header(DeadLetterHeaders.OriginalSubject) ?? "",
    originalMsgId: header(DeadLetterHeaders.OriginalMsgId),
    error: header(DeadLetterHeaders.Error) ?? "",
    deliveryCount: Number(header(DeadLetterHeaders.DeliveryCount) ?? 0),
    time: stored.time,
    data: stored.data,
  };
}
