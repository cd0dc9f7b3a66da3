-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ADD COLUMN     "revoked_at" TIMESTAMPTZ(3),
ADD COLUMN     "revoked_for" UUID;

-- CreateTable
CREATE TABLE "attendance"."gate_revocations" (
    "refund_id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "revoked" BOOLEAN NOT NULL,
    "reason" TEXT,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gate_revocations_pkey" PRIMARY KEY ("refund_id")
);
