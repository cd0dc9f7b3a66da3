-- AlterTable
ALTER TABLE "attendance"."gate_tickets" DROP COLUMN "code_digest";
