import { mayResume } from '@gridllm/contracts';

/**
 * The relay's half of continuation: whether a new attempt of a job continues the text the client has
 * (so nothing is restarted or failed). It decides as the worker does, from the same stream: only
 * attempts that streamed text count (see mayResume).
 */
export class ResumptionGate {
  private readonly attemptsWithText = new Set<number>();

  constructor(private readonly optedIn: boolean) {}

  chunkSeen(attempt: number): void {
    this.attemptsWithText.add(attempt);
  }

  /** At a new attempt: true when it continues the text so far. */
  resumes(): boolean {
    return mayResume(this.optedIn, this.attemptsWithText.size);
  }
}
