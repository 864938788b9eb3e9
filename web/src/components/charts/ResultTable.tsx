import type { QueryResult } from '../../lib/analyticsQuery';
import { formatNumber } from '../../lib/format';
import { cx } from '../ui/cx';

/** A query result as a table: the chart's data, readable by everyone (and by the e2e suite). */
export function ResultTable({ result, caption, maxRows = 200, className }: { result: Pick<QueryResult, 'columns' | 'rows'>; caption: string; maxRows?: number; className?: string }) {
  const rows = result.rows.slice(0, maxRows);
  return (
    <div className={cx('max-h-80 overflow-auto', className)}>
      <table className="w-full text-left text-xs">
        <caption className="sr-only">{caption}</caption>
        <thead className="sticky top-0 bg-slate-50 text-slate-500">
          <tr>
            {result.columns.map((c) => (
              <th key={c.name} scope="col" className={cx('px-2 py-1.5 font-medium whitespace-nowrap', c.type === 'number' && 'text-right')}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r, i) => (
            <tr key={i}>
              {result.columns.map((c, j) => (
                <td key={c.name} className={cx('px-2 py-1 whitespace-nowrap text-slate-700', c.type === 'number' && 'text-right font-mono tabular-nums')}>
                  {cell(r[j], c.type)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {result.rows.length > rows.length && <p className="px-2 py-1 text-xs text-slate-500">First {rows.length} of {result.rows.length} rows.</p>}
    </div>
  );
}

function cell(v: unknown, type: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(v);
  if (type === 'time' && typeof v === 'string') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? v : d.toISOString().replace('T', ' ').replace(/:00\.000Z$|\.000Z$/, ' UTC').replace(/Z$/, ' UTC');
  }
  return String(v);
}
