// Loaded lazily (React.lazy) so uPlot and its CSS stay out of the first page.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from '../../hooks/useSystemMetrics';
import { formatNumber } from '../../lib/format';

const HEIGHT = 220;
const WINDOW_S = 120;

/** A single time series of the selected metric, redrawn as points arrive. */
export default function MetricsChart({ points, metric, label = metric }: { points: MetricPoint[]; metric: string; label?: string }) {
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
      // A fixed two-minute window that slides, so the line moves left as
      // samples arrive instead of the axis rescaling under it.
      scales: { x: { time: true, range: (_u, _min, max) => [max - WINDOW_S, max] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, space: 80 },
        { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, size: 56, values: (_u, vals) => vals.map((v) => formatNumber(v)) },
      ],
      series: [{}, { label, stroke: '#4f46e5', width: 2, fill: 'rgba(79, 70, 229, 0.08)', points: { show: false } }],
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
    // Rebuilt only when the series changes; data updates go through setData below.
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

  const last = points[points.length - 1]?.values[metric];
  return (
    <div
      ref={host}
      className="w-full"
      role="img"
      data-testid="metrics-chart"
      aria-label={`Chart of ${label} over the last ${points.length} seconds${last !== undefined ? `; now ${formatNumber(last)}` : ''}`}
    />
  );
}
