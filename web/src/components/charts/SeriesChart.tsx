// Loaded lazily (React.lazy), like MetricsChart, so uPlot stays out of the
// first page; vite.config.ts keeps uPlot and the charts in one chunk of their
// own rather than in the chunk the pages share.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMeasure, formatNumber } from '../../lib/format';
import { seriesColor } from './palette';

export interface SeriesChartProps {
  /** Ascending x values: Unix seconds (`time`), positions 0..n-1 named by `labels` (`index`), or plain numbers. */
  x: number[];
  series: Array<{ name: string; values: Array<number | null> }>;
  xKind: 'time' | 'index' | 'number';
  labels?: string[];
  /** Fill under each line (an area chart). */
  fill?: boolean;
  /** A logarithmic y axis (values of 0 or less are left out), for losses that fall by orders of magnitude. */
  yLog?: boolean;
  height?: number;
  /** What the chart shows, for screen readers (the data is also in a table next to it). */
  label: string;
  testId?: string;
}

/**
 * Lines (or areas) of one or more series over a shared x axis, redrawn in
 * place as data changes: the plot is rebuilt only when the shape of the
 * chart (series, axis kind) changes, new data goes through setData.
 */
export default function SeriesChart({ x, series, xKind, labels = [], fill = false, yLog = false, height = 220, label, testId = 'series-chart' }: SeriesChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labelsRef = useRef(labels);
  const shape = `${xKind}|${fill}|${yLog}|${height}|${series.map((s) => s.name).join('\u0000')}`;

  const data = useMemo<uPlot.AlignedData>(
    () => [x, ...series.map((s) => s.values.map((v) => (v === null || (yLog && v <= 0) ? null : v)))],
    [x, series, yLog],
  );
  const dataRef = useRef(data);
  // Before the effect below, which builds the plot from them.
  useEffect(() => {
    labelsRef.current = labels;
    dataRef.current = data;
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const few = (dataRef.current[0]?.length ?? 0) < 40;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: false },
      cursor: { y: false },
      scales: {
        x: xKind === 'time' ? { time: true } : { time: false },
        y: yLog ? { distr: 3 } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: '#64748b',
          grid: { stroke: '#f1f5f9' },
          ticks: { stroke: '#e2e8f0' },
          space: xKind === 'index' ? 60 : 80,
          ...(xKind === 'index'
            ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => (Number.isInteger(v) ? short(labelsRef.current[v] ?? '') : '')) }
            : xKind === 'number'
              ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => (Number.isInteger(v) ? String(v) : '')) }
              : {}),
        },
        yLog
          ? { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, size: 60, splits: decades, values: (_u, vals) => vals.map(power) }
          : { stroke: '#64748b', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e2e8f0' }, size: 60, values: (_u, vals) => vals.map((v) => (v == null ? '' : formatNumber(v))) },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.name,
          stroke: seriesColor(i),
          width: 2,
          fill: fill ? `${seriesColor(i)}22` : undefined,
          points: { show: few, size: 5 },
          spanGaps: false,
        })),
      ],
    };
    const u = new uPlot(opts, dataRef.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the chart's shape changes; data goes through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={host} className="w-full" role="img" aria-label={label} data-testid={testId} data-points={x.length} />;
}

/** A log axis's ticks: the powers of ten in range (its ends when it spans less than a decade). */
function decades(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  if (!(min > 0) || !(max > 0)) return out;
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out.length >= 2 ? out : [min, max];
}

/** 1e-4, 0.01, 1, 100, 1e5: short labels for a log axis (uPlot passes null for a tick it leaves unlabelled). */
function power(v: number | null): string {
  if (v == null) return '';
  return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(0).replace('+', '') : formatMeasure(v);
}

function short(s: string): string {
  return s.length > 14 ? `${s.slice(0, 13)}…` : s;
}
