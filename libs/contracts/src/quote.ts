/** The most characters of a client's value an error message repeats (a 1 MB model name must not come back). */
export const MAX_QUOTED_CHARS = 100;

/**
 * A value from the request, fit to be quoted in an error message: cut to MAX_QUOTED_CHARS with its
 * full length noted, so hostile input is never echoed at length. Every error that quotes input uses this.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= MAX_QUOTED_CHARS) return text;
  return `${text.slice(0, MAX_QUOTED_CHARS)}… (${text.length} characters)`;
}
