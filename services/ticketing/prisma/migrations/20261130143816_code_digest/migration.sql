-- AlterTable
ALTER TABLE "ticketing"."tickets" ADD COLUMN     "code_digest" TEXT;
