-- Nobody read it, and it went stale without a revision bump (ticketing still announces owner_id).
ALTER TABLE "attendance"."gate_tickets" DROP COLUMN "owner_id";
