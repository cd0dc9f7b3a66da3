-- AlterTable
ALTER TABLE "ticketing"."tickets" ADD COLUMN     "qr_png_key" TEXT;
