/** The auth-off-vs-on section of the console report and of docs/benchmarks.md. */
import { AccessResults } from './access';
import { Side, SideResult } from './scenarios';
import { summarize } from './stats';
import { markdownTable, textTable } from './tables';

/** Issue 15's bound: auth on and a rate limit add at most this at p50 over auth off. */
export const AUTH_ADDED_P50_LIMIT_MS = 0.3;

const ms = (value: number) => `${value.toFixed(3)} ms`;
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)} ms`;

/** p50 with auth on minus p50 with auth off, for one request. */
export function authAddedP50(result: Record<Side, SideResult>): number {
  return summarize(result.gateway.samples).p50 - summarize(result.direct.samples).p50;
}

function rows(access: AccessResults): string[][] {
  const row = (label: string, result: Record<Side, SideResult>) => {
    const off = summarize(result.direct.samples);
    const on = summarize(result.gateway.samples);
    const failed = result.direct.errors + result.gateway.errors;
    return [
      label,
      `${ms(off.p50)} / ${ms(off.p99)}`,
      `${ms(on.p50)} / ${ms(on.p99)}`,
      signed(on.p50 - off.p50),
      String(failed),
    ];
  };
  return [
    row('generate `stream:false`, c=1', access.generate),
    row('`GET /api/tags` (no job), c=1', access.tags),
  ];
}

const HEADER = ['Request', 'Auth off p50 / p99', 'API key + rate limit p50 / p99', 'Added p50', 'Failed'];

function description(access: AccessResults): string {
  return (
    `Two more gateways on the same Redis and worker, started together: one with auth off and no rate ` +
    `limit, one with auth on (a stored API key, \`ADMIN_API_KEY\` set) and a rate limit in force (never reached); ` +
    `${warmedUp(access)}the same requests with the same Authorization header to both, ${access.requests} ` +
    `per side each, ABBA blocks, c=1.`
  );
}

function warmedUp({ warmupMs, concurrency }: AccessResults): string {
  if (warmupMs <= 0) return '';
  return (
    `both first brought to their steady state as the rows above (${warmupMs / 1000} s per gateway and request ` +
    `at concurrency ${concurrency}); then `
  );
}

export function accessMarkdown(access: AccessResults | null): string[] {
  if (!access) return [];
  return [
    '### What access control adds',
    '',
    description(access),
    '',
    markdownTable(HEADER, rows(access)),
    '',
  ];
}

export function accessConsole(access: AccessResults | null): string[] {
  if (!access) return [];
  return ['Auth off vs on (API key + rate limit):', textTable(HEADER, rows(access)).replace(/`/g, ''), ''];
}
