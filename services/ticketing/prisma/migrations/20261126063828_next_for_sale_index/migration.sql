-- CreateIndex
CREATE INDEX "tickets_next_for_sale_idx" ON "ticketing"."tickets"("concert_id", "status", "created_at", "ticket_number");
