-- AlterTable
ALTER TABLE "refunds"."refund_tickets" DROP COLUMN "code_version";
