-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "ticketing";

-- CreateEnum
CREATE TYPE "ticketing"."TicketStatus" AS ENUM ('created', 'sold', 'scanned_entry', 'attended', 'refunded', 'transferred');

-- CreateTable
CREATE TABLE "ticketing"."concerts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "capacity" INTEGER NOT NULL,
    "ticket_price" DECIMAL(10,2),
    "status" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "tickets_issued" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "concerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticketing"."known_users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "full_name" TEXT NOT NULL,

    CONSTRAINT "known_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticketing"."tickets" (
    "id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "ticket_number" TEXT NOT NULL,
    "status" "ticketing"."TicketStatus" NOT NULL DEFAULT 'created',
    "code_version" INTEGER NOT NULL DEFAULT 1,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "owner_id" UUID,
    "owner_email" TEXT,
    "buyer_name" TEXT,
    "buyer_email" TEXT,
    "buyer_phone" TEXT,
    "price" DECIMAL(10,2),
    "sold_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tickets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticketing"."outbox_events" (
    "id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "envelope" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticketing"."processed_events" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "known_users_email_key" ON "ticketing"."known_users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "tickets_ticket_number_key" ON "ticketing"."tickets"("ticket_number");

-- CreateIndex
CREATE INDEX "tickets_concert_id_status_idx" ON "ticketing"."tickets"("concert_id", "status");

-- CreateIndex
CREATE INDEX "tickets_owner_id_idx" ON "ticketing"."tickets"("owner_id");

-- CreateIndex
CREATE INDEX "tickets_owner_email_idx" ON "ticketing"."tickets"("owner_email");

-- Outbox (service kit): the relay scans only what is still unpublished (Prisma cannot declare a partial index).
CREATE INDEX "outbox_events_unpublished_idx" ON "ticketing"."outbox_events"("created_at") WHERE "published_at" IS NULL;
