/**
 * Node flags every launcher of the gateway passes (docker/entrypoint.sh, scripts/start.sh,
 * `npm run start:gateway`, the tests' and the bench's AppProcess; node-flags.spec.ts keeps them in line).
 *
 * `--max-semi-space-size=8` (MiB; Node 20's default is 16): a young generation half the default size.
 * Each open stream leaves short-lived garbage per token; with 1,000 streams open the full default semi-spaces
 * were ~20 MiB of the gateway's peak RSS. Measured (docs/benchmarks.md, seventh round): crowd peak
 * 193–197 → 174–186 MiB, c=1 p99 0.8–1.3 ms lower (shorter scavenges), p50 and c=32 throughput unchanged.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
