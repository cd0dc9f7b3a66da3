-- AlterTable
ALTER TABLE "identity"."login_throttles" DROP COLUMN "in_flight",
DROP COLUMN "last_granted",
DROP COLUMN "last_reserved_at";
