-- AlterTable
ALTER TABLE "ticketing"."tickets" DROP COLUMN "code_digest";
