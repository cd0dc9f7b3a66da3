import { JetStreamApiError } from "@nats-io/jetstream";
import { errors, RequestError } from "@nats-io/transport-node";

/** JetStream's "resource limits exceeded" family: the stream is full, not the message bad. */
const LIMIT_CODES = new Set([
  10_023, // insufficient resources
  10_047, // insufficient storage resources
  10_077, // stream store failed (maximum bytes/messages exceeded with discard new)
]);

/**
 * Whether a publish failed because the broker could not take it now (connection lost or closed,
 * no answer in time, stream full) rather than because of the message. Such failures must never
 * count toward parking a row: they end when the broker is back.
 */
export function isBrokerUnavailable(err: unknown): boolean {
  if (
    err instanceof errors.TimeoutError ||
    err instanceof errors.ConnectionError ||
    err instanceof errors.ClosedConnectionError ||
    err instanceof errors.DrainingConnectionError
  )
    return true;
  if (err instanceof RequestError) return isBrokerUnavailable(err.cause);
  if (err instanceof JetStreamApiError) return LIMIT_CODES.has(err.code);
  if (err instanceof Error && /maximum (bytes|messages) exceeded/i.test(err.message)) return true;
  return false;
}
