/**
 * Node flags every launcher of the gateway passes (docker/entrypoint.sh, scripts/start.sh,
 * `npm run start:gateway`, the tests' and the bench's AppProcess; node-flags.spec.ts keeps them in line).
 *
 * `--max-semi-space-size=8` (MiB; Node 20's default is 16): a young generation half the default size.
 * Each open stream leaves short-lived garbage per token, and with 1,000 streams open the gateway's peak RSS
 * depended on how full V8 let the semi-spaces and the old generation grow. Five pairs of full benches
 * (docs/benchmarks.md, seventh round): crowd peak 197–247 MiB (median 215) without, 175–205 MiB (median
 * 198) with; latency, throughput and CPU unchanged within the noise of paired runs.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
