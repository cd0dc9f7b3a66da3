-- DropTable
DROP TABLE "catalog"."concerts";

-- DropTable
DROP TABLE "catalog"."outbox_events";

-- DropTable
DROP TABLE "catalog"."processed_events";

-- DropEnum
DROP TYPE "catalog"."ConcertStatus";
