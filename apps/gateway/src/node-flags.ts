/**
 * Node flags every launcher of the gateway passes (docker/entrypoint.sh, scripts/start.sh,
 * `npm run start:gateway`, the tests' and the bench's AppProcess; node-flags.spec.ts keeps them in line).
 *
 * Each open stream leaves short-lived garbage per token. With 1,000 streams open, the gateway's peak RSS
 * depended on how far V8 let its heap grow before a full collection (docs/benchmarks.md, seventh round):
 * - `--max-semi-space-size=8` (MiB; Node 20's default is 16): a young generation half the default size;
 * - `--heap-growing-percent=50`: the old generation may grow by half its live size before the next full
 *   collection, not up to four times.
 * Crowd peak over full benches: 197–247 MiB without either, 175–240 with the first, 167–170 with both
 * (seventh round); 173–178 without either and 153–158 with both in the twenty-fourth. Their price, paired
 * (`npm run bench:ab`, twenty-fourth round): about 5 % more CPU per request and 2 % less throughput at c=32,
 * latency unchanged.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=50'];
