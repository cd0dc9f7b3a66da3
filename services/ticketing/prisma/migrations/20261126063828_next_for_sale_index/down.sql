-- DropIndex
DROP INDEX "ticketing"."tickets_next_for_sale_idx";
