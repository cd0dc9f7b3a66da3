-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "attendance";

-- CreateTable
CREATE TABLE "attendance"."gate_tickets" (
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "ticket_number" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "code_version" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "owner_id" UUID,
    "admitted_at" TIMESTAMPTZ(3),
    "admitted_gate" TEXT,
    "attended_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gate_tickets_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateTable
CREATE TABLE "attendance"."gate_concerts" (
    "concert_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "gate_concerts_pkey" PRIMARY KEY ("concert_id")
);

-- CreateTable
CREATE TABLE "attendance"."scans" (
    "id" UUID NOT NULL,
    "ticket_id" UUID,
    "ticket_number" TEXT,
    "concert_id" UUID,
    "scan_type" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "admit" BOOLEAN NOT NULL,
    "detail" TEXT NOT NULL,
    "gate" TEXT,
    "device_id" TEXT,
    "scanned_by" UUID NOT NULL,
    "scanned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "first_admitted_at" TIMESTAMPTZ(3),
    "first_admitted_gate" TEXT,
    "request_fingerprint" TEXT NOT NULL,

    CONSTRAINT "scans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attendance"."outbox_events" (
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
CREATE TABLE "attendance"."processed_events" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "gate_tickets_ticket_number_key" ON "attendance"."gate_tickets"("ticket_number");

-- CreateIndex
CREATE INDEX "gate_tickets_concert_id_idx" ON "attendance"."gate_tickets"("concert_id");

-- CreateIndex
CREATE INDEX "scans_ticket_id_idx" ON "attendance"."scans"("ticket_id");

-- CreateIndex
CREATE INDEX "scans_concert_id_scanned_at_idx" ON "attendance"."scans"("concert_id", "scanned_at");

-- Outbox (service kit): the relay scans only what is still unpublished (Prisma cannot declare a partial index).
CREATE INDEX "outbox_events_unpublished_idx" ON "attendance"."outbox_events"("created_at") WHERE "published_at" IS NULL;

-- Statuses and results are text for the raw-SQL hot path: these checks keep them to the contracts' values.
ALTER TABLE "attendance"."gate_tickets" ADD CONSTRAINT "gate_tickets_status_check" CHECK ("status" IN ('created', 'sold', 'scanned_entry', 'attended', 'refunded', 'transferred'));
ALTER TABLE "attendance"."gate_concerts" ADD CONSTRAINT "gate_concerts_status_check" CHECK ("status" IN ('scheduled', 'cancelled'));
ALTER TABLE "attendance"."scans" ADD CONSTRAINT "scans_scan_type_check" CHECK ("scan_type" IN ('entry_check', 'attendance', 'sale_confirmation'));
