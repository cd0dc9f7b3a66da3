-- CreateIndex
CREATE INDEX "tickets_concert_id_status_idx" ON "ticketing"."tickets"("concert_id", "status");
