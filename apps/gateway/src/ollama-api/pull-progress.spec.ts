import { PullProgressMerger } from './pull-progress';

describe(PullProgressMerger.name, () => {
  it('sums a layer’s progress over the workers pulling it', () => {
    const sut = new PullProgressMerger();
    sut.merge('a', '{"status":"pulling x","digest":"sha256:x","total":100,"completed":50}');
    expect(sut.merge('b', '{"status":"pulling x","digest":"sha256:x","total":100,"completed":10}')).toEqual({
      status: 'pulling x',
      digest: 'sha256:x',
      total: 200,
      completed: 60,
    });
  });

  it('passes each plain status once and holds back the workers’ success lines', () => {
    const sut = new PullProgressMerger();
    expect(sut.merge('a', '{"status":"pulling manifest"}')).toEqual({ status: 'pulling manifest' });
    expect(sut.merge('b', '{"status":"pulling manifest"}')).toBeNull();
    expect(sut.merge('a', '{"status":"success"}')).toBeNull();
  });
});
