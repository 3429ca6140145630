/**
 * Top functions by self time in a V8 `.cpuprofile` (from `node --cpu-prof`):
 *   TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register bench/profile-summary.ts <file.cpuprofile> [top]
 * Prints `self % | self ms | function (file:line)`, with node_modules paths shortened to the package.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Where a function lives, short: `pkg/file` for dependencies, the path below the repo otherwise. */
export function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  const short = dep
    ? `${dep[1]}/${(dep[2] ?? '').split('/').pop()}`
    : path.replace(/^.*\/(dist|src)\//, '$1/');
  return `${short}:${line + 1}`;
}

/** Self time per function (merged over call sites), highest first. */
export function topFunctions(
  profile: CpuProfile,
  top: number,
): Array<{ name: string; selfMs: number; share: number }> {
  const intervalMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${shortLocation(url, lineNumber)}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + (node.hitCount ?? 0) * intervalMs);
  }
  const total = [...byName.values()].reduce((sum, ms) => sum + ms, 0);
  return [...byName]
    .map(([name, selfMs]) => ({ name, selfMs, share: total > 0 ? selfMs / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
}

if (require.main === module) {
  const [file, top = '15'] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  for (const entry of topFunctions(profile, Number(top)))
    console.log(
      `${(entry.share * 100).toFixed(1).padStart(5)} % | ${entry.selfMs.toFixed(0).padStart(6)} ms | ${entry.name}`,
    );
}
