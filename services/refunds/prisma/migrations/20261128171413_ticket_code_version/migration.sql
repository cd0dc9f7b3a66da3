-- AlterTable
ALTER TABLE "refunds"."refund_tickets" ADD COLUMN     "code_version" INTEGER NOT NULL DEFAULT 1;
