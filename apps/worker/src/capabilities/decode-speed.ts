import { Injectable } from '@nestjs/common';

/** Jobs measured before the speed is trusted over the hardware guess. */
const MIN_SAMPLES = 3;
/** Weight of the newest job in the moving average. */
const ALPHA = 0.3;

/** The worker's decode speed, from eval_count / eval_duration of the jobs it finished (a moving average). */
@Injectable()
export class DecodeSpeed {
  private average: number | null = null;
  private samples = 0;

  /** Records one finished generation (Ollama's metrics: tokens and nanoseconds). */
  record(evalCount: unknown, evalDurationNs: unknown): void {
    if (
      typeof evalCount !== 'number' ||
      typeof evalDurationNs !== 'number' ||
      evalCount <= 0 ||
      evalDurationNs <= 0
    )
      return;
    const tokensPerSecond = evalCount / (evalDurationNs / 1e9);
    this.average =
      this.average === null ? tokensPerSecond : ALPHA * tokensPerSecond + (1 - ALPHA) * this.average;
    this.samples += 1;
  }

  /** Tokens per second, or null until enough jobs were measured. */
  get tokensPerSecond(): number | null {
    return this.samples >= MIN_SAMPLES ? this.average : null;
  }
}
