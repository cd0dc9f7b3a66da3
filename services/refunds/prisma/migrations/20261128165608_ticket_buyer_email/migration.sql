-- AlterTable
ALTER TABLE "refunds"."refund_tickets" ADD COLUMN     "owner_email" TEXT;
