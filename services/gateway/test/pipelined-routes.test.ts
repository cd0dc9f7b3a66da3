import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeStandIn, listenStandIn, startLoneGateway } from "./lone-gateway.js";

/** What attendance's stand-in received: each request's body and the connection it came on. */
interface Received {
  body: string;
  socket: Socket;
  answer: (status: number) => void;
}

const BURST = 8; // fewer than UPSTREAM_PIPELINING (16): one connection can carry them all

let service: Server;
let gateway: Awaited<ReturnType<typeof startLoneGateway>>;
let received: Received[] = [];
let onScan: (scan: Received) => void = (scan) => scan.answer(200);
let heldReport: ServerResponse | undefined;
/** Says "arrived" whenever the service received a request. */
const arrivals = new EventEmitter();

beforeAll(async () => {
  service = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url?.startsWith("/api/scans/ticket/")) {
        heldReport = response; // answered when the test says so
        arrivals.emit("arrived");
        return;
      }
      const answer = (status: number) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end('{"result":"admitted"}');
      };
      const scan = { body: Buffer.concat(chunks).toString(), socket: request.socket, answer };
      received.push(scan);
      onScan(scan);
      arrivals.emit("arrived");
    });
  });
  gateway = await startLoneGateway({ ATTENDANCE_URLS: await listenStandIn(service) });
});
afterAll(async () => {
  await gateway?.close();
  closeStandIn(service);
});
beforeEach(() => {
  received = [];
  heldReport = undefined;
});

const scan = (n: number) =>
  fetch(`${gateway.url}/api/scans/`, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.token}`, "content-type": "application/json" },
    body: JSON.stringify({ qr_data: `code-${n}`, scan_type: "entry_check" }),
  });

/**
 * One scan, then a burst while the service still holds it. undici sends a request on an idle
 * connection only after a tick (it first checks that the connection is still open) and opens
 * another connection meanwhile; behind a request in flight, the burst joins its connection at once.
 */
async function leadAndBurst(): Promise<Response[]> {
  const arrived = once(arrivals, "arrived");
  const lead = scan(-1);
  await arrived;
  return Promise.all([lead, ...Array.from({ length: BURST }, (_, n) => scan(n))]);
}

describe("the gate's scans on their way to attendance", () => {
  it("travel pipelined: a burst shares one connection", async () => {
    // Nothing is answered before the whole burst arrived, so no connection is free for reuse.
    onScan = () => {
      if (received.length === BURST + 1) for (const each of received) each.answer(200);
    };
    const answers = await leadAndBurst();

    expect(answers.map((answer) => answer.status)).toEqual(Array(BURST + 1).fill(200));
    expect(new Set(received.map((each) => each.socket)).size).toBe(1);
  });

  it("are never sent twice when the connection breaks before their answers", async () => {
    const seen = new Set<string>();
    onScan = (each) => {
      if (seen.has(each.body)) return each.answer(200); // a second delivery: the test fails below
      seen.add(each.body);
      // The service dies holding the whole burst, on each connection it came on.
      if (seen.size === BURST + 1) for (const { socket } of received) socket.destroy();
    };
    const answers = await leadAndBurst();

    // Each was received once; none was applied twice behind the client's back. The client hears
    // what it hears of any request whose connection broke, and retries with its scan_id.
    expect(received.map((each) => each.body).sort()).toEqual([...seen].sort());
    expect(answers.map((answer) => answer.status)).toEqual(Array(BURST + 1).fill(502));
    expect(await answers[BURST]?.json()).toEqual({
      detail: "The attendance service failed to answer",
    });
  });

  it("do not wait behind a slow request of another route", async () => {
    onScan = (each) => each.answer(200);
    const arrived = once(arrivals, "arrived");
    const report = fetch(`${gateway.url}/api/scans/ticket/held`, {
      headers: { authorization: `Bearer ${gateway.token}` },
    });
    await arrived;

    // The report is still unanswered: the scans passed it.
    const answers = await leadAndBurst();
    expect(answers.map((answer) => answer.status)).toEqual(Array(BURST + 1).fill(200));

    if (!heldReport) throw new Error("the report never reached the service");
    heldReport.writeHead(200, { "content-type": "application/json" });
    heldReport.end("[]");
    expect((await report).status).toBe(200);
  });
});
