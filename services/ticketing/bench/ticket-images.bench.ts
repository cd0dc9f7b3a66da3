// `node --expose-gc --import tsx bench/ticket-images.bench.ts` (from services/ticketing): how long a list of 1,000
// tickets with their QR images takes to answer, the first time (images drawn and stored) and
// after (images read back), and how much memory the ZIP of 10,000 tickets' images costs.
// Against the local Postgres and NATS, in a database of its own; not a test.
import { startTestInfra } from "@concert/testing";
import { startTestTicketing } from "../test/helper.js";

const LIST = Number(process.env.BENCH_LIST ?? 1_000);
const ZIP = Number(process.env.BENCH_ZIP ?? 10_000);
const RUNS = 5;

const infra = await startTestInfra();
const ticketing = await startTestTicketing(infra);
try {
  const admin = ticketing.tokenFor("admin");
  const email = "bench-owner@example.com";
  const owner = ticketing.tokenFor("viewer", { email });
  const inject = (method: "GET" | "POST", url: string, token: string, payload?: object) =>
    ticketing.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload && { payload }),
    });

  const { prisma } = ticketing.infra;
  /**
   * Batch creation draws its images in the background after answering: wait for them, then
   * forget them, so that the first read draws every image and no drawing overlaps a timed read.
   */
  const forgetDrawnImages = async (concertId: string, count: number) => {
    const deadline = Date.now() + 600_000;
    while ((await prisma.ticket.count({ where: { concertId, qrPng: { not: null } } })) < count) {
      if (Date.now() > deadline) throw new Error(`${count} images not drawn in 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await prisma.ticket.updateMany({
      where: { concertId },
      data: { qrPng: null, qrPngText: null },
    });
  };

  const listed = await ticketing.concert({ capacity: LIST });
  await inject("POST", `/api/tickets/batch/create/${listed.concert_id}`, admin, { quantity: LIST });
  await forgetDrawnImages(listed.concert_id, LIST);
  await prisma.ticket.updateMany({
    where: { concertId: listed.concert_id },
    data: { ownerEmail: email },
  });
  const timeList = async () => {
    const start = performance.now();
    const response = await inject("GET", "/api/tickets/mine", owner);
    const ms = performance.now() - start;
    if (response.json().length !== LIST) throw new Error("wrong list length");
    return { ms, bytes: response.rawPayload.length };
  };
  const cold = await timeList();
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push((await timeList()).ms);
  warm.sort((a, b) => a - b);
  console.log(
    `GET /api/tickets/mine, ${LIST} tickets with images (${(cold.bytes / 1e6).toFixed(1)} MB): ` +
      `first ${cold.ms.toFixed(0)} ms (draws and stores every image), ` +
      `then median ${warm[Math.floor(RUNS / 2)]?.toFixed(0)} ms of ${RUNS} (stored images)`,
  );

  const zipped = await ticketing.concert({ capacity: ZIP });
  for (let left = ZIP; left > 0; left -= 5_000) {
    await inject("POST", `/api/tickets/batch/create/${zipped.concert_id}`, admin, {
      quantity: Math.min(5_000, left),
    });
  }
  await forgetDrawnImages(zipped.concert_id, ZIP);
  await ticketing.app.listen({ port: 0, host: "127.0.0.1" });
  const address = ticketing.app.server.address();
  if (!address || typeof address === "string") throw new Error("not listening");
  const download = async (label: string) => {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    let peakRss = before;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const start = performance.now();
    const response = await fetch(
      `http://127.0.0.1:${address.port}/api/tickets/concert/${zipped.concert_id}/qr-codes/download`,
      { headers: { authorization: `Bearer ${admin}` } },
    );
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
    }
    clearInterval(sampler);
    globalThis.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `ZIP of ${ZIP} tickets' images (${(bytes / 1e6).toFixed(1)} MB, ${label}): ` +
        `${(performance.now() - start).toFixed(0)} ms, process RSS ${(before / 1e6).toFixed(0)} MB ` +
        `before, peak ${(peakRss / 1e6).toFixed(0)} MB during; live heap ${(heapBefore / 1e6).toFixed(0)} MB before, ${(heapAfter / 1e6).toFixed(0)} MB after`,
    );
  };
  await download("first download: draws and stores every image");
  await download("again: stored images");
} finally {
  await ticketing.close();
  await infra.stop();
}
