// Loaded lazily (React.lazy) so uPlot and its CSS stay out of the first page.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from '../../hooks/useSystemMetrics';
import { formatNumber } from '../../lib/format';

const HEIGHT = 220;

/** A single time series of the selected metric, redrawn as points arrive. */
export default function MetricsChart({ points, metric }: { points: MetricPoint[]; metric: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: HEIGHT,
      legend: { show: false },
      cursor: { y: false },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, space: 80 },
        { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, size: 56, values: (_u, vals) => vals.map((v) => formatNumber(v)) },
      ],
      series: [{}, { label: metric, stroke: 'oklch(0.58 0.2 265)', width: 2, fill: 'oklch(0.58 0.2 265 / 0.08)', points: { show: false } }],
    };
    const u = new uPlot(opts, [[], []], el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [metric]);

  useEffect(() => {
    const xs: number[] = [];
    const ys: Array<number | null> = [];
    for (const p of points) {
      xs.push(p.t);
      ys.push(p.values[metric] ?? null);
    }
    plot.current?.setData([xs, ys]);
  }, [points, metric]);

  return <div ref={host} className="w-full" role="img" aria-label={`Chart of ${metric} over time`} />;
}
