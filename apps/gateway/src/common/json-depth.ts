import type { NextFunction, Request, Response } from 'express';

import { InvalidRequestError } from '@gridllm/contracts';

/**
 * How deep objects and arrays may nest in a request body. Validation, class-transformer and
 * JSON.stringify recurse, and run out of stack at a few thousand levels; real requests (JSON schemas in
 * `format` and `tools` included) stay far below this.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests objects or arrays more than `max` levels deep (walked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Express middleware after the JSON parser: a body nested deeper than MAX_JSON_DEPTH is a 400. */
export function limitJsonDepth(req: Request, _res: Response, next: NextFunction): void {
  if (nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
    next(
      new InvalidRequestError(`request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`),
    );
    return;
  }
  next();
}
