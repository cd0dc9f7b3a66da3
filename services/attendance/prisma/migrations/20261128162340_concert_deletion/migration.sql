-- AlterTable
ALTER TABLE "attendance"."gate_concerts" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);
