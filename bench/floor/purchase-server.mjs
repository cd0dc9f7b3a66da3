// The floor of a purchase in Node on this machine: node:http and node-postgres running ticketing's
// own purchase statement (PURCHASE_NEXT, prepared by name as the kit's SqlPool does), with nothing
// of ours around it: no Fastify, no token, no idempotency key, no QR code, no relay. Each request's
// body names the concert, as the API's does: `{"concert_id": "…"}`; the buyer is fixed.
//   DATABASE_URL (search_path ticketing), PORT, POOL_SIZE (default 16), BUYER_ID, BUYER_EMAIL
import { randomUUID } from "node:crypto";
import { TicketSold } from "@concert/contracts";
import { PURCHASE_NEXT, SALE_RULES } from "@concert/ticketing";
import { pool, serveJson } from "./json-server.mjs";

const { sql, names } = PURCHASE_NEXT.statement;
const buyer = { id: process.env.BUYER_ID, email: process.env.BUYER_EMAIL };

async function purchase(concertId) {
  const soldAt = new Date();
  const eventId = randomUUID();
  // The envelope the service builds before the statement; the statement adds the sold row's fields.
  const envelope = {
    id: eventId,
    name: TicketSold.name,
    version: TicketSold.version,
    occurred_at: soldAt.toISOString(),
    payload: {
      status: SALE_RULES.sold_status,
      buyer_email: buyer.email,
      sold_at: soldAt.toISOString(),
    },
  };
  const byName = {
    ...SALE_RULES,
    concert_id: concertId,
    buyer_id: buyer.id,
    email: buyer.email,
    sold_at: soldAt,
    limit_per_buyer: null,
    outbox_id: eventId,
    outbox_subject: TicketSold.subject,
    outbox_envelope: JSON.stringify(envelope),
  };
  const { rows } = await pool.query({
    name: "purchase_next",
    text: sql,
    values: names.map((name) => byName[name]),
  });
  return rows[0];
}

serveJson(async ({ concert_id }) => {
  const row = await purchase(concert_id);
  if (!row?.sold) return [409, { detail: "Sold out" }];
  const { sold: _sold, concert_status: _c, current_status: _s, at_limit: _l, ...ticket } = row;
  return [201, ticket];
});
