import { Injectable } from '@nestjs/common';

/** Time as the drain sees it (a fake in unit tests). */
@Injectable()
export class DrainClock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
