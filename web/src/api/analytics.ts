// The analytics plugin's HTTP API, proxied by the core below
// /orgs/{org}/plugins/analytics/http. Shapes are the plugin's own
// (plugins/analytics/internal/analyticsplugin).
import type { ChartType, Query, QueryResult } from '../lib/analyticsQuery';
import { api, orgPath } from './instance';

/** A saved panel: a query and how to chart it. */
export interface Panel {
  id: string;
  title: string;
  chart: ChartType;
  query: Query;
  created_by?: string;
  created_at: string;
  updated_at: string;
}

/** A source a query may name; columns are known once the plugin has loaded it. */
export interface SourceInfo {
  source: string;
  records?: number;
  loaded?: { rows: number; complete: boolean; error?: string; synced_at?: string };
  columns: Array<{ name: string; type: string }>;
}

/** `analytics.update`: a panel's new result, pushed when its source changed. */
export interface AnalyticsUpdate extends QueryResult {
  panel_id: string;
  title: string;
  chart: ChartType;
  /** Rows left out to keep the event small: fetch the panel's data for all of them. */
  rows_omitted: number;
  at: string;
}

const path = (slug: string, rest: string) => orgPath(slug, `/plugins/analytics/http${rest}`);
const seg = encodeURIComponent;

export const analyticsApi = {
  sources: (slug: string) => api.get<{ items: SourceInfo[] }>(path(slug, '/sources')),
  panels: (slug: string) => api.get<{ items: Panel[] }>(path(slug, '/panels')),
  createPanel: (slug: string, input: { title: string; chart: ChartType; query: Query }) => api.post<Panel>(path(slug, '/panels'), input),
  updatePanel: (slug: string, id: string, input: { title: string; chart: ChartType; query: Query }) => api.put<Panel>(path(slug, `/panels/${seg(id)}`), input),
  deletePanel: (slug: string, id: string) => api.delete(path(slug, `/panels/${seg(id)}`)),
  panelData: (slug: string, id: string, signal?: AbortSignal) => api.get<QueryResult>(path(slug, `/panels/${seg(id)}/data`), undefined, signal),
  query: (slug: string, q: Query) => api.post<QueryResult>(path(slug, '/query'), q),
};
