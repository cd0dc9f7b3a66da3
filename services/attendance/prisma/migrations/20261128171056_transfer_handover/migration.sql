-- AlterTable
ALTER TABLE "attendance"."gate_tickets" ALTER COLUMN "ticket_number" DROP NOT NULL;

-- CreateTable
CREATE TABLE "attendance"."gate_handovers" (
    "transfer_id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "handed_over" BOOLEAN NOT NULL,
    "reason" TEXT,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gate_handovers_pkey" PRIMARY KEY ("transfer_id")
);
