/** The part of a response that batching needs (Node's ServerResponse has both). */
export interface Corkable {
  write(chunk: string): boolean;
  cork?(): void;
  uncork?(): void;
}

/**
 * Sends every write made in one turn of the event loop in one go. A relay reads several events per Redis
 * reply and writes one line each; with Nagle off (as a stream must be) that is one TCP segment and one
 * syscall per token. Corked until the turn's queued work (promise chains included) has run, the lines of
 * one reply leave together, and a lone line still leaves in the same turn it was written: no added delay.
 */
export class TurnWrites {
  private corked = false;

  constructor(private readonly res: Corkable) {}

  write(text: string): void {
    if (!this.corked && this.res.cork && this.res.uncork) {
      this.res.cork();
      this.corked = true;
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork?.();
      });
    }
    this.res.write(text);
  }
}
