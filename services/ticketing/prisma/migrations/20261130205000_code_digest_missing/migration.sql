-- The tickets issued before code digests were kept, found at each start by the backfill that
-- digests them (CodeDigestBackfill). New tickets have a digest from the start and never enter it.
-- A partial index, which Prisma's schema cannot declare.
CREATE INDEX "tickets_code_digest_missing" ON "ticketing"."tickets"("id") WHERE "code_digest" IS NULL;
