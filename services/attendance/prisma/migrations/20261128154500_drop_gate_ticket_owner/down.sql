-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ADD COLUMN     "owner_id" UUID;
