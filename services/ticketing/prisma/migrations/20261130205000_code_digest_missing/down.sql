DROP INDEX "ticketing"."tickets_code_digest_missing";
