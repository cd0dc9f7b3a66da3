-- "No limit" becomes the largest capacity the API accepted before (1,000,000).
UPDATE "ticketing"."concerts" SET "capacity" = 1000000 WHERE "capacity" IS NULL;
ALTER TABLE "ticketing"."concerts" ALTER COLUMN "capacity" SET NOT NULL;

-- AlterTable
ALTER TABLE "ticketing"."tickets" DROP COLUMN "qr_png",
DROP COLUMN "qr_png_text";
