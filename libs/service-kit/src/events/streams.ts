import {
  JetStreamApiError,
  jetstreamManager,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";

/** The server's code for "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;

/** How long the broker remembers a `Nats-Msg-Id`: covers a relay retrying after a lost PubAck. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * Stream, consumer and durable names may not contain dots, wildcards or spaces, while subject
 * prefixes end in a dot: map anything outside [A-Za-z0-9_-] to "_".
 */
export function sanitizeName(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]/g, "_");
}

export interface StreamNames {
  /** Holds every integration event: `<prefix>evt.>`. */
  events: string;
  /** Holds messages no consumer could handle: `<prefix>dlq.>`. */
  deadLetters: string;
}

/** Names derived from the subject prefix, so each test run (prefix "t3f9a1c.") gets its own streams. */
export function streamNames(subjectPrefix: string): StreamNames {
  const stem = sanitizeName(subjectPrefix).toUpperCase();
  return { events: `${stem}EVENTS`, deadLetters: `${stem}DEAD_LETTERS` };
}

/**
 * Creates the event and dead-letter streams if missing. Safe when several services start at once:
 * the server answers an identical `add` with the existing stream, and a stream created earlier with
 * another configuration is updated to this one.
 */
export async function ensureStreams(nc: NatsConnection, subjectPrefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const names = streamNames(subjectPrefix);
  const configs: Array<Partial<StreamConfig> & { name: string }> = [
    {
      name: names.events,
      subjects: [`${subjectPrefix}evt.>`],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
    {
      name: names.deadLetters,
      subjects: [`${subjectPrefix}dlq.>`],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
  ];
  for (const config of configs) {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
      const { config: existing } = await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, { ...existing, ...config });
    }
  }
}
