-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "refunds";

-- CreateTable
CREATE TABLE "refunds"."refunds" (
    "id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "requested_by" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "amount" DECIMAL(10,2),
    "status" TEXT NOT NULL,
    "notes" TEXT,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds"."refund_tickets" (
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "owner_id" UUID,
    "status" TEXT NOT NULL,
    "price" DECIMAL(10,2),
    "revision" INTEGER NOT NULL,
    "admitted_at" TIMESTAMPTZ(3),

    CONSTRAINT "refund_tickets_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateTable
CREATE TABLE "refunds"."payouts" (
    "refund_id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "amount" DECIMAL(10,2) NOT NULL,
    "provider" TEXT NOT NULL,
    "paid_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payouts_pkey" PRIMARY KEY ("refund_id")
);

-- CreateIndex
CREATE INDEX "refunds_user_id_idx" ON "refunds"."refunds"("user_id");

-- CreateIndex
CREATE INDEX "refunds_status_created_at_idx" ON "refunds"."refunds"("status", "created_at");

-- One open request per ticket: open = OPEN_REFUND_STATUSES in libs/contracts (pending, approved).
-- A partial unique index, which Prisma's schema cannot declare.
CREATE UNIQUE INDEX "refunds_one_open_per_ticket" ON "refunds"."refunds"("ticket_id")
  WHERE "status" IN ('pending', 'approved');
