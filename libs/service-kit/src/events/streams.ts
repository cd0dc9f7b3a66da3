import {
  DiscardPolicy,
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

const DAY_MS = 24 * 60 * 60_000;

/**
 * How long the streams keep messages (README "Retention"). The event stream is what a new or
 * lagging consumer reads from, so its age limit is the longest a consumer may be away and still
 * catch up; revocation checks rely on UserAccessChanged staying longer than the longest access
 * token (7 days), hence the config's floor of 8 days.
 */
export interface StreamRetention {
  eventsMaxAgeDays: number;
  /** -1: no size limit. When full, the stream refuses new messages (they wait in the outboxes). */
  eventsMaxBytes: number;
  /** Longer than the event stream's: an operator needs time to look at a dead letter. */
  deadLettersMaxAgeDays: number;
}

export const DEFAULT_STREAM_RETENTION: StreamRetention = {
  eventsMaxAgeDays: 30,
  eventsMaxBytes: -1,
  deadLettersMaxAgeDays: 60,
};

/**
 * Creates the event and dead-letter streams if missing, and brings existing ones to this
 * configuration (limits included). Safe when several services start at once: the server answers
 * an identical `add` with the existing stream. Returns the names it had to create, so a caller
 * reconnecting to a server that lost its state knows its consumers are gone too.
 */
export async function ensureStreams(
  nc: NatsConnection,
  subjectPrefix: string,
  retention: StreamRetention = DEFAULT_STREAM_RETENTION,
): Promise<{ created: string[] }> {
  const jsm = await jetstreamManager(nc);
  const names = streamNames(subjectPrefix);
  const configs: Array<Partial<StreamConfig> & { name: string }> = [
    {
      name: names.events,
      subjects: [`${subjectPrefix}evt.>`],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(retention.eventsMaxAgeDays * DAY_MS),
      max_bytes: retention.eventsMaxBytes,
      // Dropping the oldest message to make room could drop one a consumer has not read yet.
      discard: DiscardPolicy.New,
    },
    {
      name: names.deadLetters,
      subjects: [`${subjectPrefix}dlq.>`],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(retention.deadLettersMaxAgeDays * DAY_MS),
    },
  ];
  const created: string[] = [];
  for (const config of configs) {
    try {
      const before = await jsm.streams.info(config.name).catch((err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND) return undefined;
        throw err;
      });
      if (!before) {
        await jsm.streams.add(config);
        created.push(config.name);
      } else if (!matches(before.config, config)) {
        await jsm.streams.update(config.name, { ...before.config, ...config });
      }
    } catch (err) {
      // Another service created it between our look and our add: bring it to this configuration.
      if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
      const { config: existing } = await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, { ...existing, ...config });
    }
  }
  return { created };
}

/** The server's code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

function matches(existing: StreamConfig, wanted: Partial<StreamConfig>): boolean {
  return Object.entries(wanted).every(
    ([key, value]) => JSON.stringify(existing[key as keyof StreamConfig]) === JSON.stringify(value),
  );
}
