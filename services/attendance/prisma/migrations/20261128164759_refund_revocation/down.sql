-- AlterTable
ALTER TABLE "attendance"."gate_tickets" DROP COLUMN "revoked_at",
DROP COLUMN "revoked_for";

-- DropTable
DROP TABLE "attendance"."gate_revocations";
