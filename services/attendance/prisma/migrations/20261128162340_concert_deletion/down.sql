-- AlterTable
ALTER TABLE "attendance"."gate_concerts" DROP COLUMN "deleted_at";
