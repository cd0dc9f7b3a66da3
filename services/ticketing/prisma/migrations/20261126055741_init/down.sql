-- DropTable
DROP TABLE "ticketing"."concerts";

-- DropTable
DROP TABLE "ticketing"."known_users";

-- DropTable
DROP TABLE "ticketing"."tickets";

-- DropTable
DROP TABLE "ticketing"."outbox_events";

-- DropTable
DROP TABLE "ticketing"."processed_events";

-- DropEnum
DROP TYPE "ticketing"."TicketStatus";
