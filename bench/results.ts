import { AccessResults } from './access';
import { EmbeddedResults } from './embedded';
import { MachineInfo } from './machine';
import { CommandCount, QueueDepth, TracedRequest } from './redis-probe';
import { Side, SideResult, ThroughputResult } from './scenarios';
import { BenchSettings } from './settings';
import { StreamsResults } from './streams';

/** Everything one run measured; report.ts turns it into the table and docs/benchmarks.md. */
export interface BenchResults {
  startedAt: Date;
  durationMs: number;
  loadAverageAfter: string;
  machine: MachineInfo;
  settings: BenchSettings;
  generate: Record<Side, SideResult>;
  firstToken: Record<Side, SideResult>;
  version: Record<Side, SideResult>;
  throughput: Record<Side, ThroughputResult>;
  /** CPU % per process (100 = one core) during each side's throughput windows. */
  throughputCpu: Record<Side, Array<{ role: string; percent: number }>>;
  redisPingMs: number[];
  /** Redis commands per gateway request (INFO commandstats over `profiledRequests` stream:false requests). */
  commandsPerRequest: Array<{ command: string } & CommandCount>;
  profiledRequests: number;
  traces: TracedRequest[];
  /** Median steps per job in a window at full concurrency traced with MONITOR (see stages.ts). */
  loaded: { durations: number[]; jobs: number; windowMs: number; ratePerSecond: number; queue: QueueDepth };
  /** Auth off vs on, on two gateways of the same grid; null when skipped. */
  access: AccessResults | null;
  /** The relay of concurrent long streams and the crowd of slow streaming clients; null when skipped. */
  streams: StreamsResults | null;
  /** The embedded llama.cpp engine on the demo model; null when skipped (BENCH_EMBEDDED=0). */
  embedded: EmbeddedResults | null;
}
