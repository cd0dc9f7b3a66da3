-- The outbox tables now belong to the service kit, which creates them at start (see
-- libs/service-kit/src/events/event-tables.ts). This service consumes no events: it keeps no inbox.
DROP TABLE IF EXISTS "processed_events";
