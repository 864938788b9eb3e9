import type { IconName } from '../ui/Icon';
import { jobPercent, progressPercent } from '../../lib/format';

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
    case 'custom':
      return { icon: 'bars', color: 'text-indigo-600 bg-indigo-50' };
    default:
      return { icon: 'dot', color: 'text-slate-500 bg-slate-100' };
  }
}

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Looks a user id up among the org's members (for events that carry ids only). */
export type NameOf = (userId: string) => string | undefined;

/** One readable line per event, from whatever fields it carries. */
export function eventSummary(type: string, raw: unknown, nameOf: NameOf = () => undefined): string {
  const d: Data = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Data) : {};
  const who = (name: unknown, id: unknown) => str(name) || (str(id) && nameOf(str(id))) || (str(id) ? 'Someone' : '');
  switch (type) {
    case 'notification':
      return [str(d.title), str(d.message)].filter(Boolean).join(': ') || 'Notification';
    case 'sync.update': {
      const pct = d.status === 'succeeded' ? 100 : jobPercent(d.progress as number, d.processed_items as number, d.total_items as number);
      const what = str(d.source) ? `Sync of ${str(d.source)}` : `Sync task ${str(d.task_id).slice(-8)}`;
      const counts = typeof d.total_items === 'number' && d.total_items > 0 ? ` · ${str(d.processed_items)}/${str(d.total_items)}` : '';
      return `${what} ${str(d.status)}${pct !== null ? ` · ${Math.round(pct)}%` : ''}${counts}`;
    }
    case 'plugin.status':
    case 'plugin.update':
      return `Plugin ${str(d.plugin ?? d.name)}${d.version ? ` ${str(d.version)}` : ''} ${str(d.status) || 'updated'}${d.error ? `: ${str(d.error)}` : ''}`;
    case 'user.activity':
      return activitySummary(d, who);
    case 'user.presence': {
      const name = who(d.user_name, d.user_id) || 'A member';
      return d.online ? `${name} came online` : `${name} went offline`;
    }
    case 'alert':
      return str(d.message ?? d.title) || 'Alert';
  }
  if (type === 'file.operation') {
    const who_ = d.actor_id ? `${who(undefined, d.actor_id)} ` : '';
    return `${who_}${str(d.op) || 'changed'} ${str(d.kind) === 'folder' ? 'folder ' : ''}${str(d.path ?? d.name)}`.trim();
  }
  if (type.startsWith('file.')) {
    const what = str(d.name ?? d.file ?? d.path);
    const pct = typeof d.percent === 'number' ? d.percent : typeof d.progress === 'number' ? progressPercent(d.progress) : null;
    const verb = type === 'file.upload.progress' ? 'Upload of' : type === 'file.download.progress' ? 'Download of' : str(d.operation);
    return `${verb} ${what} ${str(d.status)}${pct !== null ? ` · ${Math.round(pct)}%` : ''}`.trim();
  }
  if (type === 'ml.training.progress') {
    const epochs = typeof d.max_epochs === 'number' ? ` · epoch ${str(d.epoch)}/${str(d.max_epochs)}` : '';
    return `Training of ${str(d.model) || 'a model'} ${str(d.status) || 'running'}${epochs}`;
  }
  if (type.startsWith('ml.')) {
    const model = str(d.model ?? d.name ?? d.model_id);
    const version = d.version !== undefined ? ` v${str(d.version)}` : '';
    return `${model ? `Model ${model}${version}` : 'Model'} ${str(d.status) || type.split('.').slice(1).join(' ')}`.trim();
  }
  for (const k of ['message', 'title', 'description', 'status', 'name']) if (str(d[k])) return str(d[k]);
  const numbers = Object.entries(d).filter(([, v]) => typeof v === 'number').slice(0, 3);
  if (numbers.length) return numbers.map(([k, v]) => `${k} ${Number(v).toLocaleString()}`).join(' · ');
  return type;
}

const article = (role: string) => (/^[aeiou]/i.test(role) ? `an ${role}` : `a ${role}`);

/** `user.activity` as a sentence: "Olivia installed sync 1.0.0", "Victor joined as viewer". */
function activitySummary(d: Data, who: (name: unknown, id: unknown) => string): string {
  const actor = who(d.actor_name, d.actor_id) || 'Someone';
  const user = who(d.user_name, d.user_id) || 'a member';
  const plugin = `${str(d.plugin)}${d.version ? ` ${str(d.version)}` : ''}`;
  switch (str(d.action)) {
    case 'member.joined':
      return `${user} joined as ${str(d.role) || 'member'}`;
    case 'member.role_changed':
      return `${actor} made ${user} ${article(str(d.role))}${d.previous_role ? ` (was ${str(d.previous_role)})` : ''}`;
    case 'member.removed':
      return d.actor_id && d.actor_id === d.user_id ? `${user} left the organization` : `${actor} removed ${user}`;
    case 'org.updated':
      return `${actor} updated the organization`;
    case 'plugin.installed':
      return `${actor} installed ${plugin}`;
    case 'plugin.upgraded':
      return `${actor} upgraded ${str(d.plugin)} to ${str(d.version)}${d.previous_version ? ` (from ${str(d.previous_version)})` : ''}`;
    case 'plugin.uninstalled':
      return `${actor} uninstalled ${str(d.plugin)}`;
    case 'plugin.configured':
      return `${actor} changed the ${str(d.plugin)} configuration`;
  }
  const action = str(d.action ?? d.activity ?? d.message);
  return [actor, action.replace(/[._]/g, ' ')].filter(Boolean).join(' ') || 'Activity';
}
