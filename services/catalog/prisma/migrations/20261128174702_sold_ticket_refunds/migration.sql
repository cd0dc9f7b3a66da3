-- AlterTable
ALTER TABLE "catalog"."sold_tickets" ADD COLUMN     "refunded_at" TIMESTAMPTZ(3);
