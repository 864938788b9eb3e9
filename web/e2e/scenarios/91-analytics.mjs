// The Analytics page with the real analytics plugin over a dataset the real
// sync plugin fills: the page says when the plugin is missing and turns into
// the board as soon as it is installed; the panel form checks its fields;
// a query is run ad hoc and saved as a panel whose values are checked
// against the data; more data is synced and the open panel redraws from the
// analytics.update event, without a reload; a line panel over time is drawn
// and deleted; the page at 375 px; a panel is edited (the form holds its
// query; a filter and a new title redraw the same panel).
import { assert, assertNoConsoleErrors, assertNoHorizontalOverflow, dismissToasts, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';
import { ensurePlugin, syncRows } from '../lib/datasets.mjs';

const COUNTRIES = ['DE', 'FR', 'IT', 'ES'];
const DAYS = 10;

// Four countries in shares of 4:3:2:1, each order 10 to 99 (whole), on one
// of ten days in January 2026, more of them late in the month.
const SHARE = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];

/** Orders 1..n: a country, a whole amount, a day in January 2026. */
function orders(n) {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const day = Math.floor(Math.sqrt((i * 61) % 100) + 0.5) % DAYS;
    return { id: i, country: COUNTRIES[SHARE[(i * 7) % 10]], amount: ((i * 37) % 90) + 10, placed_at: `2026-01-${String(day + 11).padStart(2, '0')}` };
  });
}

/** What "sum of amount and count, by country" must answer. */
function expected(rows) {
  const out = {};
  for (const r of rows) {
    out[r.country] ??= { revenue: 0, count: 0 };
    out[r.country].revenue += r.amount;
    out[r.country].count += 1;
  }
  return out;
}

const fmt = (n) => n.toLocaleString('en-US');

export default async function analytics(ctx) {
  const { step, skip, api, state } = ctx;
  if (!state.owner || !state.org) return skip('analytics', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const panel = (title) => page.getByTestId('analytics-panel').and(page.locator(`[data-title="${title}"]`));

  /** The panel's data table as {country: [revenue, count]} (texts as shown). */
  const tableOf = async (root) =>
    Object.fromEntries(
      (await root.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())))).map(([c, rev, n]) => [c, [rev, n]]),
    );
  const matches = (table, rows) => Object.entries(expected(rows)).every(([c, e]) => table[c]?.[0] === fmt(e.revenue) && table[c]?.[1] === fmt(e.count));

  await step('the Analytics page turns into the board once the plugin is installed', async () => {
    await syncRows(ctx, token, 'orders', orders(600));
    await open(page, `/o/${slug}/analytics`);
    await page.getByRole('heading', { level: 1, name: 'Analytics' }).waitFor();
    await waitForBadge(page, 'connected');
    await page.getByTestId('plugin-missing').waitFor();
    // Panels are pushed every second, for a quick test.
    await ensurePlugin(api, slug, token, 'analytics', { refresh_interval: '1s' });
    await page.getByText('No panels yet').waitFor({ timeout: 20_000 });
    assertNoConsoleErrors(session, 'analytics install');
  });

  await step('the panel form checks its fields; a query runs ad hoc; its values match the data', async () => {
    await page.getByRole('button', { name: 'New panel' }).click();
    const editor = page.getByRole('form', { name: 'New panel' });
    await editor.getByLabel('Source').selectOption('dataset:orders');
    // Its columns load with it, for the field suggestions.
    await editor.getByText(/Columns: .*amount \(number\)/).waitFor({ timeout: 15_000 });
    const agg1 = editor.getByRole('group', { name: 'Aggregation 1' });
    await agg1.getByLabel('Function').selectOption('sum');
    await editor.getByRole('button', { name: 'Save panel' }).click();
    await editor.getByText('Give the panel a title').waitFor();
    await agg1.getByText('sum needs a field').waitFor();

    await editor.getByLabel('Title').fill('Revenue by country');
    await editor.getByLabel('Chart').selectOption('bar');
    await agg1.getByLabel('Field').fill('amount');
    await agg1.getByLabel('Name as').fill('revenue');
    await editor.getByRole('button', { name: 'Add aggregation' }).click();
    await editor.getByRole('group', { name: 'Aggregation 2' }).getByLabel('Function').selectOption('count');
    await editor.getByLabel('Group by').fill('country');
    // A column the source lacks: the plugin's refusal lands on the field.
    await editor.getByRole('button', { name: 'Add filter' }).click();
    const filter = editor.getByRole('group', { name: 'Filter 1' });
    await filter.getByLabel('Field').fill('colour');
    await filter.getByLabel('Value').fill('red');
    await editor.getByRole('button', { name: 'Run query' }).click();
    await filter.getByText(/no column "colour"/i).waitFor();
    await editor.getByRole('button', { name: 'Remove filter 1' }).click();

    await editor.getByRole('button', { name: 'Run query' }).click();
    const result = page.getByTestId('query-result');
    await result.getByText('600 of 600 rows matched').waitFor();
    const adhoc = await tableOf(result.locator('table'));
    assert(matches(adhoc, orders(600)), `the ad-hoc result is the data's: ${JSON.stringify(adhoc)} vs ${JSON.stringify(expected(orders(600)))}`);
    assertNoConsoleErrors(session, 'panel form');
  });

  await step('saved as a panel: a bar chart with the same values', async () => {
    const editor = page.getByRole('form', { name: 'New panel' });
    await editor.getByRole('button', { name: 'Save panel' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'Panel Revenue by country saved' }).waitFor();
    const p = panel('Revenue by country');
    await p.getByTestId('bar-chart').waitFor();
    await p.getByText('Data (4 rows)').click();
    const table = await tableOf(p.locator('table'));
    assert(matches(table, orders(600)), `the panel shows the data's sums and counts: ${JSON.stringify(table)}`);
    // The bars carry the same numbers.
    for (const e of Object.values(expected(orders(600)))) await p.getByTestId('bar-chart').getByText(fmt(e.revenue), { exact: true }).first().waitFor();
    assertNoConsoleErrors(session, 'panel saved');
  });

  await step('more orders are synced: the open panel redraws live from analytics.update', async () => {
    const p = panel('Revenue by country');
    const before = Number(await p.getAttribute('data-live-updates'));
    const navigations = [];
    const onNav = (f) => f === page.mainFrame() && navigations.push(f.url());
    page.on('framenavigated', onNav);
    try {
      await syncRows(ctx, token, 'orders', orders(800));
      await eventually(async () => matches(await tableOf(p.locator('table')), orders(800)), {
        timeout: 20_000,
        interval: 100,
        message: 'the panel shows the 800 orders',
      });
    } finally {
      page.off('framenavigated', onNav);
    }
    const after = Number(await p.getAttribute('data-live-updates'));
    assert(after > before, `an analytics.update redrew it (live updates ${before} -> ${after})`);
    assert(navigations.length === 0, `no reload (${navigations.join(', ')})`);
    await p.getByText('800 rows matched').waitFor();
    await p.getByTestId('panel-live').waitFor();
    await page.mouse.move(0, 0);
    await screenshot(page, 'analytics-live');
    assertNoConsoleErrors(session, 'live update');
  });

  await step('a line panel over time is drawn, then deleted', async () => {
    await page.getByRole('button', { name: 'New panel' }).click();
    const editor = page.getByRole('form', { name: 'New panel' });
    await editor.getByLabel('Title').fill('Orders per day');
    await editor.getByLabel('Chart').selectOption('line');
    await editor.getByLabel('Source').selectOption('dataset:orders');
    await editor.getByLabel('Over time, by').fill('placed_at');
    await editor.getByLabel('Bucket').selectOption('day');
    await editor.getByRole('button', { name: 'Save panel' }).click();
    const p = panel('Orders per day');
    const chart = p.getByTestId('panel-chart');
    await chart.waitFor({ timeout: 15_000 });
    assert((await chart.getAttribute('data-points')) === String(DAYS), `one point per day (${await chart.getAttribute('data-points')})`);
    await chart.locator('canvas').waitFor();
    // Both panels, the bar one with its data open: the README's Analytics image.
    await dismissToasts(page);
    await screenshot(page, 'analytics');
    await p.getByRole('button', { name: 'Delete panel Orders per day' }).click();
    await page.getByRole('dialog', { name: 'Delete the panel Orders per day?' }).getByRole('button', { name: 'Delete panel' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'Panel Orders per day deleted' }).waitFor();
    await p.waitFor({ state: 'detached' });
    const left = await api.must(200, 'GET', `/orgs/${slug}/plugins/analytics/http/panels`, { token });
    assert(left.items.length === 1 && left.items[0].title === 'Revenue by country', `one panel left: ${left.items.map((x) => x.title)}`);
    assertNoConsoleErrors(session, 'line panel');
  });

  await step('the Analytics page fits 375 px', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      await open(page, `/o/${slug}/analytics`);
      await panel('Revenue by country').getByTestId('bar-chart').waitFor();
      await page.getByRole('button', { name: 'New panel' }).click();
      await page.getByRole('form', { name: 'New panel' }).waitFor();
      await page.waitForLoadState('networkidle');
      await assertNoHorizontalOverflow(page, 'analytics at 375 px');
      await screenshot(page, 'analytics-mobile');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    assertNoConsoleErrors(session, 'analytics mobile');
  });

  await step('a panel is edited: the form holds its query; a filter and a new title redraw the same panel', async () => {
    await open(page, `/o/${slug}/analytics`);
    const p = panel('Revenue by country');
    await p.getByTestId('bar-chart').waitFor();
    const id = await p.getAttribute('data-panel-id');
    await p.getByRole('button', { name: 'Edit panel Revenue by country' }).click();
    const editor = page.getByRole('form', { name: 'Edit panel' });
    assert((await editor.getByLabel('Title').inputValue()) === 'Revenue by country', 'the editor holds the title');
    assert((await editor.getByLabel('Group by').inputValue()) === 'country', 'the editor holds the group-by');
    assert((await editor.getByRole('group', { name: 'Aggregation 1' }).getByLabel('Name as').inputValue()) === 'revenue', 'the editor holds the aggregations');
    await editor.getByLabel('Title').fill('Revenue in DE and FR');
    await editor.getByRole('button', { name: 'Add filter' }).click();
    const filter = editor.getByRole('group', { name: 'Filter 1' });
    await filter.getByLabel('Field').fill('country');
    await filter.getByLabel('Condition').selectOption('in');
    await filter.getByLabel('Values').fill('DE, FR');
    await editor.getByRole('button', { name: 'Save panel' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'Panel Revenue in DE and FR saved' }).waitFor();
    const edited = panel('Revenue in DE and FR');
    assert((await edited.getAttribute('data-panel-id')) === id, 'the same panel was changed, not a new one made');
    await edited.getByText('Data (2 rows)').click();
    const rows = orders(800).filter((o) => o.country === 'DE' || o.country === 'FR');
    await eventually(
      async () => {
        const t = await tableOf(edited.locator('table'));
        return Object.keys(t).sort().join() === 'DE,FR' && matches(t, rows);
      },
      { timeout: 10_000, interval: 100, message: 'the edited panel shows the sums of DE and FR only' },
    );
    const saved = await api.must(200, 'GET', `/orgs/${slug}/plugins/analytics/http/panels`, { token });
    assert(saved.items.length === 1 && saved.items[0].query.filters?.[0]?.values?.join() === 'DE,FR', `one panel, filtered: ${JSON.stringify(saved.items)}`);
    assertNoConsoleErrors(session, 'panel edited');
  });
}
