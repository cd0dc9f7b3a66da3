-- AlterTable
ALTER TABLE "ticketing"."concerts" ALTER COLUMN "capacity" DROP NOT NULL;

-- AlterTable
ALTER TABLE "ticketing"."tickets" ADD COLUMN     "qr_png" BYTEA,
ADD COLUMN     "qr_png_text" TEXT;
