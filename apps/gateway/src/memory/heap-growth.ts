import { setFlagsFromString } from 'node:v8';

/**
 * Growth factor of the old generation between full collections, in percent over what survived the last
 * one. V8's default lets it grow up to 4× when collections look cheap: a gateway holding a thousand open
 * streams (7 KiB live each) promoted garbage until 4× its live set before its next full collection, and
 * peaked at 215–235 MiB. At 1.5× it collects more often (mostly incrementally) and peaked at 186–191 MiB
 * (docs/benchmarks.md, "Streams at width").
 */
const HEAP_GROWING_PERCENT = 50;

/** Bounds the old generation's growth; called first thing at boot, before the heap has grown. */
export function boundHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
