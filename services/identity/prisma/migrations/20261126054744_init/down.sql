-- DropTable
DROP TABLE "identity"."users";

-- DropTable
DROP TABLE "identity"."login_failures";

-- DropTable
DROP TABLE "identity"."outbox_events";

-- DropTable
DROP TABLE "identity"."processed_events";

-- DropEnum
DROP TYPE "identity"."Role";
