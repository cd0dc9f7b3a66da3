import { assertSchemaName } from "../database/schema-name.js";

/**
 * The event plumbing's tables, defined here once and created by the kit in every service's own
 * schema at start (idempotently, under the migration lock): the outbox the relay drains and, for
 * a service that consumes events, the ids of the events it already applied. They are the kit's,
 * not the service's: no service migration or Prisma model repeats them.
 *
 * Columns added after the first release come as `ADD COLUMN IF NOT EXISTS`, so a database created
 * by an older kit is brought up to date by the same statements, on every start.
 */
export function eventTablesSql(schema: string, options: { inbox: boolean }): string {
  const s = `"${assertSchemaName(schema)}"`;
  const outbox = `
CREATE TABLE IF NOT EXISTS ${s}.outbox_events (
  id uuid PRIMARY KEY,
  subject text NOT NULL,
  envelope jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
ALTER TABLE ${s}.outbox_events ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE ${s}.outbox_events ADD COLUMN IF NOT EXISTS last_error text;
ALTER TABLE ${s}.outbox_events ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz;
ALTER TABLE ${s}.outbox_events ADD COLUMN IF NOT EXISTS parked_at timestamptz;
DROP INDEX IF EXISTS ${s}.outbox_events_unpublished_idx;
CREATE INDEX IF NOT EXISTS outbox_events_pending_idx
  ON ${s}.outbox_events (created_at) WHERE published_at IS NULL AND parked_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_events_parked_idx
  ON ${s}.outbox_events (parked_at) WHERE parked_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_events_published_idx
  ON ${s}.outbox_events (published_at) WHERE published_at IS NOT NULL;`;
  const inbox = `
CREATE TABLE IF NOT EXISTS ${s}.processed_events (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS processed_events_processed_at_idx
  ON ${s}.processed_events (processed_at);`;
  return options.inbox ? outbox + inbox : outbox;
}
