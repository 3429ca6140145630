import { ResumptionGate } from './resumption-gate';

describe(ResumptionGate.name, () => {
  describe('resumes', () => {
    it('continues an opted-in job whose earlier attempt streamed text', () => {
      const sut = new ResumptionGate(true);
      sut.chunkSeen(1);
      expect(sut.resumes()).toBe(true);
    });

    it('never continues a job that did not opt in', () => {
      const sut = new ResumptionGate(false);
      sut.chunkSeen(1);
      expect(sut.resumes()).toBe(false);
    });

    it('leaves an attempt that streamed nothing to the transparent restart', () => {
      expect(new ResumptionGate(true).resumes()).toBe(false);
    });

    it('continues once: a second attempt that streamed text and died ends the job', () => {
      const sut = new ResumptionGate(true);
      sut.chunkSeen(1);
      sut.chunkSeen(2);
      expect(sut.resumes()).toBe(false);
    });
  });
});
