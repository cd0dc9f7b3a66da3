-- AlterTable
ALTER TABLE "catalog"."sold_tickets" DROP COLUMN "refunded_at";
