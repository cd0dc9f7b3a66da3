-- AlterTable
ALTER TABLE "ticketing"."tickets" DROP COLUMN "qr_png_key";
