-- DropTable
DROP TABLE "attendance"."gate_tickets";

-- DropTable
DROP TABLE "attendance"."gate_concerts";

-- DropTable
DROP TABLE "attendance"."scans";

-- DropTable
DROP TABLE "attendance"."outbox_events";

-- DropTable
DROP TABLE "attendance"."processed_events";
