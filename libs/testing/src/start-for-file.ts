import { afterAll, beforeAll } from "vitest";
import { startTestInfra, type TestInfra } from "./test-infra.js";

/**
 * What a test file exercises, started on a fresh database and broker before its tests and closed
 * (then the infrastructure stopped) after them: the one way test files set up. The two handles
 * are usable at module level and forward to the real objects once `beforeAll` has run:
 *
 *   const { service: catalog, infra } = startForFile(startTestCatalog);
 */
export function startForFile<S extends { close(): Promise<void> }>(
  start: (infra: TestInfra) => Promise<S>,
): { service: S; infra: TestInfra } {
  let infra: TestInfra | undefined;
  let service: S | undefined;
  beforeAll(async () => {
    infra = await startTestInfra();
    service = await start(infra);
  });
  afterAll(async () => {
    await service?.close();
    await infra?.stop();
  });
  return { service: lateBound(() => service), infra: lateBound(() => infra) };
}

/** A stand-in that reads every property from `current()`, which must exist by then. */
function lateBound<T extends object>(current: () => T | undefined): T {
  const target = () => {
    const value = current();
    if (!value) throw new Error("used before beforeAll started it");
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const object = target();
      const value = Reflect.get(object, key, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(target(), key),
  });
}
