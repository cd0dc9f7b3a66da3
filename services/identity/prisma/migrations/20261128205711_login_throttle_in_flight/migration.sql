-- Attempts still being checked are told apart from failures, so a burst of good logins from one
-- address or to one shared account waits its turn instead of tripping a block.
-- AlterTable
ALTER TABLE "identity"."login_throttles" ADD COLUMN     "in_flight" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "last_granted" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "last_reserved_at" TIMESTAMPTZ(3);
