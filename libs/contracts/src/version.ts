/**
 * Orders dotted version strings (Ollama's `0.6.2`, Redis's `7.0.15`) part by part as numbers; a part that is
 * missing or not a number (a `-rc1` suffix) counts as 0. Negative when `a` is older, 0 when equal.
 */
export function compareVersions(a: string, b: string): number {
  const left = a.split(/[.-]/).map((part) => Number(part) || 0);
  const right = b.split(/[.-]/).map((part) => Number(part) || 0);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
