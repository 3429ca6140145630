import { parsePrometheusText, sumOf } from './prometheus-text';

describe(parsePrometheusText.name, () => {
  it('reads samples with and without labels, skipping HELP and TYPE lines', () => {
    const sut = parsePrometheusText(
      [
        '# HELP gridllm_jobs_total Jobs',
        '# TYPE gridllm_jobs_total counter',
        'gridllm_jobs_total{model="llama3.2:latest",outcome="completed"} 3',
        'process_cpu_seconds_total 0.25',
        'gridllm_http_request_duration_seconds_bucket{le="+Inf",route="/api/generate"} 7',
        '',
      ].join('\n'),
    );

    expect(sut).toEqual([
      { name: 'gridllm_jobs_total', labels: { model: 'llama3.2:latest', outcome: 'completed' }, value: 3 },
      { name: 'process_cpu_seconds_total', labels: {}, value: 0.25 },
      {
        name: 'gridllm_http_request_duration_seconds_bucket',
        labels: { le: '+Inf', route: '/api/generate' },
        value: 7,
      },
    ]);
  });

  it('unescapes label values and reads special values', () => {
    const [escaped, nan, nanAsPromClientWritesIt, minusInf] = parsePrometheusText(
      'm{a="x\\"y\\\\z"} +Inf\nn NaN\nn Nan\nn -Inf',
    );
    expect(escaped).toEqual({ name: 'm', labels: { a: 'x"y\\z' }, value: Infinity });
    expect(nan.value).toBeNaN();
    expect(nanAsPromClientWritesIt.value).toBeNaN();
    expect(minusInf.value).toBe(-Infinity);
  });

  it('rejects a line that is not a sample or a comment', () => {
    expect(() => parsePrometheusText('ok 1\nbad line here')).toThrow('line 2');
    expect(() => parsePrometheusText('m{a=unquoted} 1')).toThrow('line 1');
    expect(() => parsePrometheusText('# TYPE m bogus')).toThrow('line 1');
  });
});

describe(sumOf.name, () => {
  it('adds the samples of a metric that carry the given labels', () => {
    const samples = parsePrometheusText('t{m="a",s="1"} 2\nt{m="a",s="2"} 3\nt{m="b",s="1"} 5\nu 9');
    expect(sumOf(samples, 't')).toBe(10);
    expect(sumOf(samples, 't', { m: 'a' })).toBe(5);
    expect(sumOf(samples, 'missing')).toBe(0);
  });
});
