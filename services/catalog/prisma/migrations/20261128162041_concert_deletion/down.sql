-- Back to concerts that always have an artist and a capacity: "no artist" becomes empty and
-- "no limit" the largest capacity the API accepted before (1,000,000).
UPDATE "catalog"."concerts" SET "artist" = '' WHERE "artist" IS NULL;
UPDATE "catalog"."concerts" SET "capacity" = 1000000 WHERE "capacity" IS NULL;
ALTER TABLE "catalog"."concerts" ALTER COLUMN "artist" SET NOT NULL,
ALTER COLUMN "capacity" SET NOT NULL;

-- DropTable
DROP TABLE "catalog"."sold_tickets";
