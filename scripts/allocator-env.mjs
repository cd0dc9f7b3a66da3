// glibc gives each thread that allocates (V8's compiler threads, libuv's pool) an arena of its
// own, and after the large frees of a start (WASM compilation) raises its trim threshold so far
// that it keeps what it freed: two arenas and a fixed 128 KB threshold (glibc's own initial
// value) cut a service's idle RSS by 30-50 MB (docs/BENCHMARKS.md, "Idle memory"). What
// `npm start` and the benchmarks run services with; the Dockerfile sets the same.
export const ALLOCATOR_ENV = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_TRIM_THRESHOLD_: "131072",
};
