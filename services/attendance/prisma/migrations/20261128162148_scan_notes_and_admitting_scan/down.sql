-- AlterTable
ALTER TABLE "attendance"."gate_tickets" DROP COLUMN "admitted_scan_id";

-- AlterTable
ALTER TABLE "attendance"."scans" DROP COLUMN "notes";
