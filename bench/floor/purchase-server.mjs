// The floor of a purchase in Node on this machine: node:http and node-postgres running ticketing's
// own purchase statement (PURCHASE_NEXT, prepared by name as the kit's SqlPool does), with nothing
// of ours around it: no Fastify, no token, no idempotency key, no QR code, no relay. Each request's
// body names the concert, as the API's does: `{"concert_id": "…"}`; the buyer is fixed.
//   DATABASE_URL (search_path ticketing), PORT, POOL_SIZE (default 16), BUYER_ID, BUYER_EMAIL
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { TicketSold } from "@concert/contracts";
import { PURCHASE_NEXT, SALE_RULES } from "@concert/ticketing";
import pg from "pg";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 16),
});
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

createServer((request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    purchase(JSON.parse(body).concert_id).then(
      (row) => {
        if (!row?.sold) {
          response.writeHead(409, { "content-type": "application/json" }).end('{"detail":"no"}');
          return;
        }
        const {
          sold: _sold,
          concert_status: _c,
          current_status: _s,
          at_limit: _l,
          ...ticket
        } = row;
        response.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(ticket));
      },
      (error) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      },
    );
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
