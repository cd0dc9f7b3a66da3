-- AlterTable
ALTER TABLE "refunds"."refund_tickets" DROP COLUMN "owner_email";
