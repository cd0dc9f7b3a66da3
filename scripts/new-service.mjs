#!/usr/bin/env node
// Makes a new service in the one shape every service has:
//   npm run new:service -- <name> [--prefix /api/<path>]
// Copies scripts/service-template/ to services/<name>/ (names filled in), declares the service in
// SERVICE_DIRECTORY (its port and the public prefix the gateway routes to it: the only place
// either is written), adds it to docker-compose.yml and links the workspace. `npm start`, the
// gateway, /docs and CI (`npm test`) then pick it up with no other edit.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const templateDir = join(root, "scripts", "service-template");
const directoryFile = join(root, "libs", "contracts", "src", "services", "service-directory.ts");
const composeFile = join(root, "docker-compose.yml");

function fail(message) {
  console.error(`new:service: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const name = args.find((arg) => !arg.startsWith("--"));
const prefixArg = args.includes("--prefix") ? args[args.indexOf("--prefix") + 1] : undefined;
// The name is also a Postgres schema, an env-variable stem (<NAME>_URLS) and a TS identifier.
if (!name || !/^[a-z][a-z0-9]{1,30}$/.test(name)) {
  fail(
    "usage: npm run new:service -- <name> [--prefix /api/<path>]  (name: lowercase letters and digits)",
  );
}
const serviceDir = join(root, "services", name);
if (existsSync(serviceDir)) fail(`services/${name} already exists`);

const entry = declareInDirectory(name, prefixArg ?? `/api/${name}`);
const Name = name[0].toUpperCase() + name.slice(1);
const fill = (text) =>
  text
    .replaceAll("__name__", name)
    .replaceAll("__Name__", Name)
    .replaceAll("__prefix__", entry.prefix);
copyTemplate(templateDir, serviceDir, fill);
addToCompose(name);
console.log("Linking the new workspace (npm install)...");
execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
// Filled-in names change line lengths: leave the new files as the formatter wants them.
execFileSync("npx", ["biome", "check", "--write", `services/${name}`, directoryFile], {
  cwd: root,
  stdio: "inherit",
});

console.log(`
services/${name} is made: port ${entry.port}, routed by the gateway at ${entry.prefix}.
  npm run build && npm test -w services/${name}   its generated test, through the gateway
  npm start                                      runs it with the rest of the stack
Next: models in services/${name}/prisma/schema.prisma (then npm run migrate -- ${name} new <name>),
routes in src/routes/, rules in src/domain/, consumed events in src/events/, all listed in src/service.ts;
its HTTP bodies and events in libs/contracts.`);

/** Adds the service to SERVICE_DIRECTORY with the next free port, or keeps an entry already there. */
function declareInDirectory(service, prefix) {
  const source = readFileSync(directoryFile, "utf8");
  const existing = source.match(
    new RegExp(`^  ${service}: \\{ port: (\\d+), prefix: "([^"]+)" \\},$`, "m"),
  );
  if (existing) return { port: Number(existing[1]), prefix: existing[2] };
  if (!/^\/api\/[a-z0-9/-]+$/.test(prefix))
    fail(`--prefix must look like /api/<path>, not ${prefix}`);
  const ports = [...source.matchAll(/port: (\d+)/g)].map((match) => Number(match[1]));
  const port = Math.max(...ports) + 1;
  const end = source.indexOf("} as const satisfies");
  if (end < 0) fail("SERVICE_DIRECTORY's closing line was not found");
  const line = `  ${service}: { port: ${port}, prefix: "${prefix}" },\n`;
  writeFileSync(directoryFile, source.slice(0, end) + line + source.slice(end));
  return { port, prefix };
}

function copyTemplate(from, to, transform) {
  mkdirSync(to, { recursive: true });
  for (const item of readdirSync(from)) {
    const source = join(from, item);
    const target = join(to, transform(item.replace(/\.tpl$/, "")));
    if (statSync(source).isDirectory()) copyTemplate(source, target, transform);
    else writeFileSync(target, transform(readFileSync(source, "utf8")));
  }
  if (from === templateDir) console.log(`wrote ${relative(root, to)}/`);
}

/** The service's block and the gateway's wait for it, each above its marker line. */
function addToCompose(service) {
  let compose = readFileSync(composeFile, "utf8");
  const insert = (marker, text) => {
    const at = compose.indexOf(marker);
    if (at < 0) fail(`docker-compose.yml: marker "${marker.trim()}" not found`);
    const lineStart = compose.lastIndexOf("\n", at) + 1;
    compose = compose.slice(0, lineStart) + text + compose.slice(lineStart);
  };
  insert(
    "# new services go above this line",
    `  ${service}:\n    <<: *service\n    build: { context: ., args: { SERVICE: ${service} } }\n\n`,
  );
  insert(
    "# new upstreams go above this line",
    `      ${service}:\n        condition: service_healthy\n`,
  );
  writeFileSync(composeFile, compose);
}
