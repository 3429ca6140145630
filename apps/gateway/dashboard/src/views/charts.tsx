import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

import type { SeriesPoint } from '../../../src/dashboard/dashboard-frame';

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: Array<{ label: string; pick(point: SeriesPoint): number | null; color: string }>;
}

const CHARTS: ChartSpec[] = [
  {
    id: 'requests',
    title: 'Requests and errors',
    unit: 'per s',
    lines: [
      { label: 'finished/s', pick: (p) => p.requests, color: '#2f7ed8' },
      { label: 'errors/s', pick: (p) => p.errors, color: '#d9534f' },
    ],
  },
  {
    id: 'tokens',
    title: 'Tokens',
    unit: 'tok/s',
    lines: [{ label: 'tokens/s', pick: (p) => p.tokens, color: '#3a9a5b' }],
  },
  {
    id: 'queued',
    title: 'Queue depth',
    unit: 'jobs',
    lines: [{ label: 'waiting', pick: (p) => p.queued, color: '#b8860b' }],
  },
  {
    id: 'ttft',
    title: 'Time to first token',
    unit: 'ms',
    lines: [
      { label: 'p50', pick: (p) => p.ttftP50, color: '#7b52ab' },
      { label: 'p95', pick: (p) => p.ttftP95, color: '#c2185b' },
    ],
  },
];

export function ChartsView({ series }: { series: SeriesPoint[] }) {
  return (
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">Last 15 minutes</h2>
      <div class="charts">
        {CHARTS.map((spec) => (
          <Chart key={spec.id} spec={spec} series={series} />
        ))}
      </div>
    </section>
  );
}

function dataOf(spec: ChartSpec, series: SeriesPoint[]): uPlot.AlignedData {
  return [series.map((p) => p.t / 1000), ...spec.lines.map((line) => series.map((p) => line.pick(p)))];
}

/** One uPlot chart that keeps its instance and only swaps data on updates; it follows its box's width. */
function Chart({ spec, series }: { spec: ChartSpec; series: SeriesPoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#c9d1d9' : '#333';
    const grid = dark ? '#30363d' : '#e5e5e5';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    plot.current = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 200,
        series: [
          {},
          ...spec.lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: false })),
        ],
        axes: [axis, { ...axis, label: spec.unit, size: 60 }],
        scales: { x: { time: true } },
        legend: { show: true },
      },
      dataOf(spec, series),
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(280, element.clientWidth), height: 200 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [spec]);
  useEffect(() => plot.current?.setData(dataOf(spec, series)), [spec, series]);
  return (
    <figure class="chart" data-chart={spec.id}>
      <figcaption>
        {spec.title} <span class="muted">({spec.unit})</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${spec.title} over the last 15 minutes`} />
    </figure>
  );
}
