-- AlterTable
ALTER TABLE "ticketing"."concerts" DROP COLUMN "deleted_at";
