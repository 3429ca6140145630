/** The streams-at-width section of the console report and of docs/benchmarks.md. */
import { Side } from './scenarios';
import { CrowdSide, StreamsResults, StreamsSide } from './streams';
import { markdownTable, textTable } from './tables';

export const STREAMS_HEADING = 'Streams at width';
/** Issue 15's bounds for the crowd row. */
export const CROWD_RSS_LIMITS_MIB = { gateway: 200, worker: 300 } as const;

const tokensPerSecond = (side: StreamsSide): number =>
  side.elapsedMs > 0 ? (side.tokens * 1000) / side.elapsedMs : NaN;
const mib = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(0)} MiB`);
const failures = (side: StreamsSide): string =>
  side.errors === 0 ? '0' : `${side.errors} (${side.firstError ?? '?'})`;

/** Tokens per second through the gateway over directly, for the relay row. */
export function relayRatio(streams: StreamsResults): number {
  return tokensPerSecond(streams.relay.gateway) / tokensPerSecond(streams.relay.direct);
}

/** Whether the crowd row passed: no failed stream, and gateway and worker RSS within the limits. */
export function crowdMet(streams: StreamsResults): boolean {
  const { gateway } = streams.crowd;
  return (
    streams.crowd.direct.errors + gateway.errors === 0 &&
    (gateway.rssPeakMiB.gateway ?? Infinity) <= CROWD_RSS_LIMITS_MIB.gateway &&
    (gateway.rssPeakMiB.worker ?? Infinity) <= CROWD_RSS_LIMITS_MIB.worker
  );
}

function rows(streams: StreamsResults): string[][] {
  const { relayStreams, relayTokens, crowdClients, crowdTokens, crowdDelayMs } = streams.settings;
  const relay = (side: Side) => {
    const s = streams.relay[side];
    return `${Math.round(tokensPerSecond(s))} tok/s (${s.streams} streams, failed ${failures(s)})`;
  };
  const crowd = (side: Side) => {
    const s: CrowdSide = streams.crowd[side];
    const rss =
      side === 'gateway'
        ? `; RSS peak gateway ${mib(s.rssPeakMiB.gateway)}, worker ${mib(s.rssPeakMiB.worker)}`
        : '';
    return `${s.streams - s.errors} of ${s.streams} streams done in ${(s.elapsedMs / 1000).toFixed(1)} s (at most ${s.peakOpen} open at once), failed ${failures(s)}${rss}`;
  };
  return [
    [
      `relay: ${relayStreams} concurrent streams × ${relayTokens} tokens`,
      relay('direct'),
      relay('gateway'),
      `gateway/direct = ${relayRatio(streams).toFixed(2)}`,
    ],
    [
      `crowd: ${crowdClients} concurrent streaming clients arriving over ${streams.settings.crowdRampMs / 1000} s, ${crowdTokens} tokens ${crowdDelayMs} ms apart`,
      crowd('direct'),
      crowd('gateway'),
      crowdMet(streams) ? 'within the bounds' : '**outside the bounds**',
    ],
  ];
}

const HEADER = ['Row', 'Direct (fixture)', 'Through the gateway', 'Verdict'];

function setUp(streams: StreamsResults): string {
  const { relayRounds } = streams.settings;
  return (
    `Each row has its own fixture process and worker (its own model, MAX_CONCURRENT_TASKS = its width, ` +
    `at most 1024), started after the rows above and stopped before the next. Relay: one warm-up wave per ` +
    `side, then ${relayRounds} ABBA rounds per side, each a wave of concurrent loops of two streams; tokens/s = ` +
    `content lines received / wave time. Crowd: one wave per side, the clients arriving evenly over the ramp ` +
    `time, each answer outlasting it (so all are open at once: "at most … open"); RSS sampled every ` +
    `100 ms from /proc (the gateway's peak is over the whole wave, including what earlier rows left allocated). ` +
    `The gateway runs with MAX_CONCURRENT_JOBS and MAX_QUEUE_PER_MODEL at twice the crowd, as the defaults ` +
    `(1000, 512) would refuse part of it with 503 by design. Limits: gateway ≤ ${CROWD_RSS_LIMITS_MIB.gateway} MiB, ` +
    `worker ≤ ${CROWD_RSS_LIMITS_MIB.worker} MiB, no failed stream.`
  );
}

export function streamsConsole(streams: StreamsResults | null): string[] {
  if (!streams) return [`${STREAMS_HEADING}: skipped (BENCH_STREAMS=0).`];
  const plain = (text: string) => text.replace(/\*\*|`/g, '');
  return [
    `${STREAMS_HEADING}:`,
    textTable(
      HEADER,
      rows(streams).map((row) => row.map(plain)),
    ),
    '',
  ];
}

export function streamsMarkdown(streams: StreamsResults | null): string[] {
  if (!streams) return [`### ${STREAMS_HEADING}`, '', 'Skipped (`BENCH_STREAMS=0`).', ''];
  return [`### ${STREAMS_HEADING}`, '', setUp(streams), '', markdownTable(HEADER, rows(streams)), ''];
}
