-- DropIndex
DROP INDEX "ticketing"."tickets_concert_id_status_idx";
