-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ADD COLUMN     "admitted_scan_id" UUID;

-- AlterTable
ALTER TABLE "attendance"."scans" ADD COLUMN     "notes" TEXT;
