-- AlterTable
ALTER TABLE "catalog"."concerts" ALTER COLUMN "artist" DROP NOT NULL,
ALTER COLUMN "capacity" DROP NOT NULL;

-- CreateTable
CREATE TABLE "catalog"."sold_tickets" (
    "ticket_id" UUID NOT NULL,
    "concert_id" UUID NOT NULL,
    "sold_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sold_tickets_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateIndex
CREATE INDEX "sold_tickets_concert_id_idx" ON "catalog"."sold_tickets"("concert_id");
