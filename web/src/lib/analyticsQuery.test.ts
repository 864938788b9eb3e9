import { describe, expect, it } from 'vitest';
import { aggregationName, buildQuery, emptyQueryForm, formFieldOf, formFromQuery, headlineValue, toChartData, type Query, type QueryForm } from './analyticsQuery';

const form = (patch: Partial<QueryForm>): QueryForm => ({ ...emptyQueryForm('dataset:orders'), ...patch });

describe('aggregationName', () => {
  it('names output columns as the plugin does', () => {
    expect(aggregationName({ op: 'count' })).toBe('count');
    expect(aggregationName({ op: 'sum', field: 'total' })).toBe('sum_total');
    expect(aggregationName({ op: 'percentile', field: 'total', p: 95 })).toBe('p95_total');
    expect(aggregationName({ op: 'percentile', field: 'ms', p: 99.9 })).toBe('p99.9_ms');
    expect(aggregationName({ op: 'avg', field: 'x', as: 'mean' })).toBe('mean');
  });
});

describe('buildQuery', () => {
  it('builds a query with only what the form set', () => {
    const { query, errors } = buildQuery(
      form({
        aggregations: [
          { op: 'count', field: '', p: '95', as: '' },
          { op: 'sum', field: 'amount', p: '', as: 'revenue' },
          { op: 'percentile', field: 'amount', p: '90', as: '' },
        ],
        groupBy: 'country, status',
        filters: [
          { field: 'status', op: 'in', value: 'paid, shipped' },
          { field: 'amount', op: 'gte', value: '10' },
          { field: 'note', op: 'exists', value: 'ignored' },
        ],
        orderBy: 'revenue',
        desc: true,
        limit: '50',
      }),
    );
    expect(errors).toEqual({});
    expect(query).toEqual({
      source: 'dataset:orders',
      aggregations: [{ op: 'count' }, { op: 'sum', field: 'amount', as: 'revenue' }, { op: 'percentile', field: 'amount', p: 90 }],
      group_by: ['country', 'status'],
      filters: [
        { field: 'status', op: 'in', values: ['paid', 'shipped'] },
        { field: 'amount', op: 'gte', value: '10' },
        { field: 'note', op: 'exists' },
      ],
      order_by: [{ by: 'revenue', desc: true }],
      limit: 50,
    });
  });

  it('adds a time bucket with its range', () => {
    const { query } = buildQuery(form({ timeField: 'placed_at', bucket: 'week', from: '2026-01-01', to: '2026-03-01T00:00:00Z' }));
    expect(query?.time).toEqual({ field: 'placed_at', bucket: 'week', from: '2026-01-01', to: '2026-03-01T00:00:00Z' });
  });

  it('names every mistake at its field, as the plugin would', () => {
    const { query, errors } = buildQuery({
      ...emptyQueryForm(''),
      aggregations: [
        { op: 'sum', field: '', p: '', as: '' },
        { op: 'percentile', field: 'x', p: '120', as: '' },
        { op: 'count', field: '', p: '', as: '9bad' },
      ],
      groupBy: 'a,b,c,d',
      filters: [
        { field: '', op: 'eq', value: '' },
        { field: 'tag', op: 'in', value: ' , ' },
      ],
      from: '2026-01-01',
      orderBy: 'nope',
      limit: '20000',
    });
    expect(query).toBeNull();
    expect(errors).toMatchObject({
      source: expect.any(String),
      'aggregations.0.field': expect.stringContaining('needs a field'),
      'aggregations.1.p': 'A percentile from 0 to 100',
      'aggregations.2.as': expect.any(String),
      group_by: 'Group by at most 3 fields',
      'filters.0.field': 'Name a column',
      'filters.0.value': expect.any(String),
      'filters.1.values': expect.any(String),
      'time.field': expect.any(String),
      order_by: expect.stringContaining('"nope" is not an output column'),
      limit: expect.any(String),
    });
  });

  it('refuses two output columns with one name, and a bad time', () => {
    const { errors } = buildQuery(
      form({
        timeField: 't',
        from: 'yesterday',
        aggregations: [
          { op: 'count', field: '', p: '', as: '' },
          { op: 'count', field: '', p: '', as: '' },
          { op: 'sum', field: 'x', p: '', as: 'bucket' },
        ],
      }),
    );
    expect(errors['aggregations.1.as']).toContain('"count" is named twice');
    expect(errors['aggregations.2.as']).toContain('"bucket" is named twice');
    expect(errors['time.from']).toBeDefined();
  });

  it('maps the plugin field names onto the form', () => {
    expect(formFieldOf('query.aggregations.0.field')).toBe('aggregations.0.field');
    expect(formFieldOf('query')).toBe('source');
    expect(formFieldOf('title')).toBe('title');
    expect(formFieldOf(undefined)).toBeUndefined();
  });
});

describe('formFromQuery', () => {
  it('gives back the query a form built, so a saved panel can be edited', () => {
    const queries: Query[] = [
      { source: 'events', aggregations: [{ op: 'count' }] },
      {
        source: 'dataset:orders',
        filters: [
          { field: 'country', op: 'in', values: ['FR', 'DE'] },
          { field: 'amount', op: 'gte', value: '10' },
          { field: 'coupon', op: 'missing' },
        ],
        group_by: ['country', 'plan'],
        time: { field: 'placed_at', bucket: 'week', from: '2026-01-01', to: '2026-03-01T00:00:00Z' },
        aggregations: [{ op: 'sum', field: 'amount', as: 'revenue' }, { op: 'percentile', field: 'amount', p: 99.5 }, { op: 'count' }],
        order_by: [{ by: 'revenue', desc: false }],
        limit: 20,
      },
    ];
    for (const q of queries) {
      const { query, errors } = buildQuery(formFromQuery(q));
      expect(errors).toEqual({});
      expect(query).toEqual(q);
    }
  });

  it('writes filter values as the form does: text', () => {
    const f = formFromQuery({ source: 'metrics', filters: [{ field: 'n', op: 'eq', value: 5 }, { field: 'k', op: 'not_in', values: [1, 2] }], aggregations: [{ op: 'count' }] });
    expect(f.filters).toEqual([
      { field: 'n', op: 'eq', value: '5' },
      { field: 'k', op: 'not_in', value: '1, 2' },
    ]);
    expect(buildQuery(f).query?.filters).toEqual([
      { field: 'n', op: 'eq', value: '5' },
      { field: 'k', op: 'not_in', values: ['1', '2'] },
    ]);
  });
});

describe('toChartData', () => {
  it('puts groups on the x axis, one series per aggregation', () => {
    const d = toChartData(
      { group_by: ['country'] },
      { columns: [{ name: 'country', type: 'string' }, { name: 'count', type: 'number' }, { name: 'sum_amount', type: 'number' }], rows: [['DE', 2, 30], ['FR', 1, null], [null, 4, 8]] },
    );
    expect(d).toEqual({
      kind: 'category',
      x: [0, 1, 2],
      labels: ['DE', 'FR', '(none)'],
      series: [
        { name: 'count', values: [2, 1, 4] },
        { name: 'sum_amount', values: [30, null, 8] },
      ],
    });
  });

  it('sorts time buckets and pivots a group-by into one series per group', () => {
    const d = toChartData(
      { time: { field: 't', bucket: 'day' }, group_by: ['kind'] },
      {
        columns: [{ name: 'bucket', type: 'time' }, { name: 'kind', type: 'string' }, { name: 'count', type: 'number' }],
        rows: [
          ['2026-01-02T00:00:00Z', 'a', 5],
          ['2026-01-01T00:00:00Z', 'a', 1],
          ['2026-01-01T00:00:00Z', 'b', 2],
        ],
      },
    );
    const day1 = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(d.kind).toBe('time');
    expect(d.x).toEqual([day1, day1 + 86_400]);
    expect(d.series).toEqual([
      { name: 'a', values: [1, 5] },
      { name: 'b', values: [2, null] },
    ]);
  });

  it('lays out a result without keys as one category per aggregation', () => {
    const d = toChartData({}, { columns: [{ name: 'count', type: 'number' }, { name: 'avg_x', type: 'number' }], rows: [[10, 2.5]] });
    expect(d.labels).toEqual(['count', 'avg_x']);
    expect(d.series).toEqual([{ name: 'value', values: [10, 2.5] }]);
  });

  it('headlineValue takes the latest bucket over time', () => {
    const cols = [{ name: 'bucket', type: 'time' }, { name: 'count', type: 'number' }];
    expect(headlineValue({ time: { field: 't', bucket: 'day' } }, { columns: cols, rows: [['2026-01-02T00:00:00Z', 7], ['2026-01-01T00:00:00Z', 3]] })).toEqual({ name: 'count', value: 7 });
    expect(headlineValue({}, { columns: [{ name: 'count', type: 'number' }], rows: [] })).toEqual({ name: 'count', value: null });
  });
});
