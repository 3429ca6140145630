/** V8's `--trace-gc-nvp` lines, summed per kind of collection (bench/gc-probe.ts). */

/** One kind of collection over a window: how many, bytes promoted to the old generation, pauses. */
export interface GcKindSummary {
  count: number;
  /** Mean bytes moved from the young generation to the old one per collection. */
  promotedBytes: number;
  /** Mean bytes that survived in the young generation per collection. */
  survivedBytes: number;
  meanPauseMs: number;
  maxPauseMs: number;
  /** Collections that paused the process for more than 2 ms (each one can show in a c=1 p99). */
  over2Ms: number;
}

const FIELD = /(\w[\w.]*)=([^\s]+)/g;

/** The `name=value` fields of one `--trace-gc-nvp` line, or null for other output. */
export function nvpFields(line: string): Map<string, string> | null {
  if (!line.includes(' gc=')) return null;
  return new Map([...line.matchAll(FIELD)].map(([, name = '', value = '']) => [name, value]));
}

/**
 * Sums the collections in `output` by kind (`s` scavenge, `mc` mark-compact, `mmc` minor mark-compact, as V8
 * names them in the `gc` field).
 */
export function summariseGc(output: string): Record<string, GcKindSummary> {
  const byKind: Record<string, GcKindSummary> = {};
  for (const line of output.split('\n')) {
    const fields = nvpFields(line);
    const kind = fields?.get('gc');
    if (!fields || !kind) continue;
    const pause = Number(fields.get('pause') ?? 0);
    const entry = (byKind[kind] ??= {
      count: 0,
      promotedBytes: 0,
      survivedBytes: 0,
      meanPauseMs: 0,
      maxPauseMs: 0,
      over2Ms: 0,
    });
    // Running means, so the summary needs no second pass.
    entry.count += 1;
    entry.promotedBytes += (Number(fields.get('promoted') ?? 0) - entry.promotedBytes) / entry.count;
    entry.survivedBytes +=
      (Number(fields.get('new_space_survived') ?? 0) - entry.survivedBytes) / entry.count;
    entry.meanPauseMs += (pause - entry.meanPauseMs) / entry.count;
    entry.maxPauseMs = Math.max(entry.maxPauseMs, pause);
    if (pause > 2) entry.over2Ms += 1;
  }
  for (const entry of Object.values(byKind)) {
    entry.promotedBytes = Math.round(entry.promotedBytes);
    entry.survivedBytes = Math.round(entry.survivedBytes);
    entry.meanPauseMs = Number(entry.meanPauseMs.toFixed(2));
  }
  return byKind;
}
