-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ALTER COLUMN "ticket_number" SET NOT NULL;

-- DropTable
DROP TABLE "attendance"."gate_handovers";
