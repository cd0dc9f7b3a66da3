import { type JsMsg, PubHeaders } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { publishAcked } from "./acked-publish.js";

/** Headers on a dead-lettered message: why it failed and where it came from. */
export const DeadLetterHeaders = {
  Error: "Dlq-Error",
  OriginalSubject: "Dlq-Original-Subject",
  Consumer: "Dlq-Consumer",
  DeliveryCount: "Dlq-Delivery-Count",
  /** The original's `Nats-Msg-Id` (the event id, as the relay publishes), when it had one. */
  OriginalMsgId: "Dlq-Original-Msg-Id",
  /** The original's sequence in the event stream. */
  StreamSequence: "Dlq-Stream-Sequence",
} as const;

/** `<prefix>dlq.<service>.<original subject without prefix>`, e.g. `dlq.ticketing.evt.catalog.concert.created.v1`. */
export function deadLetterSubject(
  subjectPrefix: string,
  service: string,
  originalSubject: string,
): string {
  const unprefixed = originalSubject.startsWith(subjectPrefix)
    ? originalSubject.slice(subjectPrefix.length)
    : originalSubject;
  return `${subjectPrefix}dlq.${service}.${unprefixed}`;
}

export interface DeadLetterInput {
  nats: NatsConnection;
  subjectPrefix: string;
  service: string;
  consumer: string;
  msg: JsMsg;
  error: string;
}

/**
 * Parks `msg` (its original bytes) in the dead-letter stream and waits for the broker to store it,
 * so the caller may `term()` the original only once the copy is safe.
 */
export async function publishDeadLetter(input: DeadLetterInput): Promise<void> {
  const { msg } = input;
  const h = headers();
  h.set(DeadLetterHeaders.Error, headerSafe(input.error));
  h.set(DeadLetterHeaders.OriginalSubject, msg.subject);
  h.set(DeadLetterHeaders.Consumer, input.consumer);
  h.set(DeadLetterHeaders.DeliveryCount, String(msg.info.deliveryCount));
  h.set(DeadLetterHeaders.StreamSequence, String(msg.info.streamSequence));
  const originalMsgId = msg.headers?.get(PubHeaders.MsgIdHdr);
  if (originalMsgId) h.set(DeadLetterHeaders.OriginalMsgId, originalMsgId);
  await publishAcked(
    input.nats,
    deadLetterSubject(input.subjectPrefix, input.service, msg.subject),
    msg.data,
    {
      headers: h,
      // Keyed by stream sequence: if the term() after this publish is lost and the message comes
      // back, the broker drops the second copy instead of dead-lettering it twice.
      msgID: `dlq:${input.consumer}:${msg.info.streamSequence}`,
    },
  );
}

/** Header values are single lines; keep the error readable but bounded. */
function headerSafe(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, " ").trim();
  return oneLine.length > 1_000 ? `${oneLine.slice(0, 1_000)}...` : oneLine || "unknown error";
}
