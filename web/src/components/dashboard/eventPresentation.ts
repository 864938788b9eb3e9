import type { IconName } from '../ui/Icon';
import { progressPercent } from '../../lib/format';

/** How an event type looks in the feed: icon and color by domain. */
export function eventIcon(type: string): { icon: IconName; color: string } {
  const domain = type.split('.')[0];
  switch (domain) {
    case 'system':
      return { icon: 'server', color: 'text-slate-600 bg-slate-100' };
    case 'metrics':
    case 'analytics':
      return { icon: 'chart', color: 'text-violet-600 bg-violet-50' };
    case 'sync':
      return { icon: 'sync', color: 'text-sky-600 bg-sky-50' };
    case 'ml':
      return { icon: 'cpu', color: 'text-fuchsia-600 bg-fuchsia-50' };
    case 'file':
      return { icon: 'file', color: 'text-amber-600 bg-amber-50' };
    case 'user':
      return { icon: 'user', color: 'text-emerald-600 bg-emerald-50' };
    case 'notification':
      return { icon: 'bell', color: 'text-brand-600 bg-brand-50' };
    case 'alert':
      return { icon: 'alert', color: 'text-red-600 bg-red-50' };
    case 'plugin':
      return { icon: 'puzzle', color: 'text-teal-600 bg-teal-50' };
    default:
      return { icon: 'dot', color: 'text-slate-500 bg-slate-100' };
  }
}

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** One readable line per event, from whatever fields it carries. */
export function eventSummary(type: string, raw: unknown): string {
  const d: Data = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Data) : {};
  switch (type) {
    case 'notification':
      return [str(d.title), str(d.message)].filter(Boolean).join(': ') || 'Notification';
    case 'sync.update': {
      const pct = progressPercent(d.progress as number, d.processed_items as number, d.total_items as number);
      return `Sync task ${str(d.task_id).slice(0, 8)} ${str(d.status)}${pct !== null ? ` · ${Math.round(pct)}%` : ''}`;
    }
    case 'plugin.status':
    case 'plugin.update':
      return `Plugin ${str(d.name ?? d.plugin)} ${str(d.status) || 'updated'}${d.error ? `: ${str(d.error)}` : ''}`;
    case 'alert':
      return str(d.message ?? d.title) || 'Alert';
  }
  if (type.startsWith('file.')) {
    const what = str(d.name ?? d.file ?? d.path);
    const pct = typeof d.progress === 'number' ? ` · ${Math.round(progressPercent(d.progress) ?? 0)}%` : '';
    return `${str(d.operation) || type.split('.').slice(1).join(' ')} ${what}${pct}`.trim();
  }
  if (type.startsWith('ml.')) {
    const model = str(d.model ?? d.model_id);
    return `${model ? `Model ${model}` : 'Model'} ${str(d.status) || type.split('.').slice(1).join(' ')}`.trim();
  }
  if (type.startsWith('user.')) {
    return [str(d.user ?? d.name ?? d.email), str(d.action ?? d.activity ?? d.status ?? d.message)].filter(Boolean).join(' ') || type;
  }
  for (const k of ['message', 'title', 'description', 'status', 'name']) if (str(d[k])) return str(d[k]);
  const numbers = Object.entries(d).filter(([, v]) => typeof v === 'number').slice(0, 3);
  if (numbers.length) return numbers.map(([k, v]) => `${k} ${Number(v).toLocaleString()}`).join(' · ');
  return type;
}
