-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ADD COLUMN     "code_digest" TEXT;
