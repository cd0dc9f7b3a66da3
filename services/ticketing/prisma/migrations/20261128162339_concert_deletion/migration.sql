-- AlterTable
ALTER TABLE "ticketing"."concerts" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);
