import { assertSchemaName } from "../database/schema-name.js";

/**
 * The event plumbing's tables, defined here once and created by the kit in every service's own
 * schema at start (idempotently, under the migration lock): the outbox the relay drains and, for
 * a service that consumes events, the ids of the events it already applied. They are the kit's,
 * not the service's: no service migration or Prisma model repeats them.
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
CREATE INDEX IF NOT EXISTS outbox_events_unpublished_idx
  ON ${s}.outbox_events (created_at) WHERE published_at IS NULL;`;
  const inbox = `
CREATE TABLE IF NOT EXISTS ${s}.processed_events (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);`;
  return options.inbox ? outbox + inbox : outbox;
}
