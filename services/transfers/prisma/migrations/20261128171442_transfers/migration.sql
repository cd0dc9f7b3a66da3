-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "transfers";

-- CreateTable
CREATE TABLE "transfers"."transfers" (
    "id" UUID NOT NULL,
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "from_user_id" UUID NOT NULL,
    "to_user_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "notes" TEXT,
    "initiated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transfers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transfers"."transfer_tickets" (
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "owner_id" UUID,
    "owner_email" TEXT,
    "status" TEXT NOT NULL,
    "code_version" INTEGER NOT NULL DEFAULT 1,
    "revision" INTEGER NOT NULL,
    "admitted_at" TIMESTAMPTZ(3),

    CONSTRAINT "transfer_tickets_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateTable
CREATE TABLE "transfers"."transfer_accounts" (
    "user_id" UUID NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "transfer_accounts_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "transfers_from_user_id_idx" ON "transfers"."transfers"("from_user_id");

-- CreateIndex
CREATE INDEX "transfers_to_user_id_idx" ON "transfers"."transfers"("to_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_accounts_email_key" ON "transfers"."transfer_accounts"("email");

-- One open transfer per ticket: open = OPEN_TRANSFER_STATUSES in libs/contracts (pending, accepted).
-- A partial unique index, which Prisma's schema cannot declare.
CREATE UNIQUE INDEX "transfers_one_open_per_ticket" ON "transfers"."transfers"("ticket_id")
  WHERE "status" IN ('pending', 'accepted');
