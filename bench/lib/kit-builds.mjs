// What the benches that run the service kit alone share (bench/outbox-relay.bench.mjs,
// bench/event-consumer.bench.mjs): this tree's build of the kit and optionally another one,
// measured in alternating rounds on a scratch database each, and a table of the medians.
import { join, resolve } from "node:path";
import { withClient } from "@concert/testing";
import { root } from "./stack.mjs";
import { median, printTable } from "./util.mjs";

/** This tree's kit, and the one `otherDir` names (an env variable's value) if set. */
export function kitBuilds(otherName, otherDir) {
  const builds = [{ name: "this build", dir: join(root, "libs/service-kit") }];
  if (otherDir) builds.push({ name: otherName, dir: resolve(otherDir) });
  return builds;
}

/**
 * `runs` rounds, each build once per round in turn, so that a host's swings fall on every build
 * alike. `oneRun(build, round)` resolves to a run's figures; each is printed with `describe`.
 * Resolves to build name → its runs.
 */
export async function alternateRounds(builds, runs, oneRun, describe) {
  const results = new Map(builds.map((build) => [build.name, []]));
  for (let round = 0; round < runs; round++) {
    for (const build of builds) {
      const result = await oneRun(build, round);
      results.get(build.name).push(result);
      console.log(`[bench] ${build.name} #${round + 1}: ${describe(result)}`);
    }
  }
  return results;
}

/** One row per build: the median of each column over its runs. `columns`: [header, key, digits]. */
export function printMedians(builds, results, columns) {
  printTable([
    ["build", ...columns.map(([header]) => header)],
    ...builds.map(({ name }) => {
      const runs = results.get(name);
      return [
        name,
        ...columns.map(([, key, digits]) => median(runs.map((run) => run[key])).toFixed(digits)),
      ];
    }),
  ]);
}

/** Runs `work(url)` on a database created for it, dropped afterwards whatever happens. */
export async function withScratchDatabase(adminUrl, database, work) {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  try {
    return await work(url.toString());
  } finally {
    await withClient(adminUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    );
  }
}
