// The ML page with the real ml plugin, on a dataset the real sync plugin
// fills with a relation the scenario knows (y = 3·x1 − 2·x2 + 5, plus a
// little noise): the page turns into the workbench once the plugin is
// installed; the train form checks its fields; a linear regression trains
// as a job, its loss is charted from ml.training.progress, and the model
// appears from ml.model.update; a prediction of one row matches the
// relation; a second, long training (k-means with a thousand clusters over
// a wide copy of the data, which takes many seconds before its first
// epoch) is cancelled and registers nothing; the page at 375 px.
import { assert, assertNoConsoleErrors, assertNoHorizontalOverflow, dismissToasts, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';
import { ensurePlugin, syncRows } from '../lib/datasets.mjs';

const N = 5000;
const relation = (x1, x2) => 3 * x1 - 2 * x2 + 5;

/** Points 1..N spread over [0, 10) x [0, 7), the target within ±0.05 of the relation. */
function points() {
  return Array.from({ length: N }, (_, k) => {
    const i = k + 1;
    const x1 = ((i * 37) % 1000) / 100;
    const x2 = ((i * 91) % 700) / 100;
    const noise = (((i * 13) % 11) - 5) / 100;
    return { id: i, x1: x1.toFixed(2), x2: x2.toFixed(2), y: (relation(x1, x2) + noise).toFixed(4) };
  });
}

export default async function ml(ctx) {
  const { step, skip, api, state } = ctx;
  if (!state.owner || !state.org) return skip('ml', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const training = (model) => page.getByTestId('training-row').and(page.locator(`[data-model="${model}"]`));
  const modelRow = (name) => page.getByTestId('model-row').and(page.locator(`[data-name="${name}"]`));
  const listed = async () => (await api.must(200, 'POST', `/orgs/${slug}/plugins/ml/actions/models`, { token, body: {} })).items.map((m) => m.name);

  await step('the ML page turns into the workbench once the plugin is installed', async () => {
    await syncRows(ctx, token, 'points', points());
    await open(page, `/o/${slug}/ml`);
    await page.getByRole('heading', { level: 1, name: 'Machine learning' }).waitFor();
    await waitForBadge(page, 'connected');
    await page.getByTestId('plugin-missing').waitFor();
    await ensurePlugin(api, slug, token, 'ml');
    await page.getByText('No models yet').waitFor({ timeout: 20_000 });
    assertNoConsoleErrors(session, 'ml install');
  });

  await step('a linear regression trains: its loss is charted live and the model is registered', async () => {
    const form = page.getByRole('form', { name: 'Train a model' });
    await form.getByRole('button', { name: 'Start training' }).click();
    await form.getByText('Lowercase letters, digits, - and _; start with a letter (at most 63)').waitFor();
    await form.getByText('Name at least one numeric field').waitFor();
    await form.getByText('Name the field to predict').waitFor();

    await form.getByLabel(/^Model name/).fill('plane');
    await form.getByLabel('Kind', { exact: true }).selectOption('linear_regression');
    await form.getByLabel(/^Dataset/).fill('points');
    await form.getByLabel(/^Features/).fill('x1, x2');
    await form.getByLabel(/^Target/).fill('y');
    await form.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('toast-info').filter({ hasText: 'Training of plane started' }).waitFor();
    const row = training('plane');
    await eventually(async () => (await row.getAttribute('data-status')) === 'succeeded', { timeout: 30_000, message: 'training succeeded' });
    const chart = row.getByTestId('training-chart');
    await chart.locator('canvas').waitFor();
    const epochs = Number(await row.getAttribute('data-epochs'));
    const first = Number(await row.getAttribute('data-first-loss'));
    const last = Number(await row.getAttribute('data-last-loss'));
    assert(epochs >= 2, `the chart has a point per reported epoch (${epochs})`);
    assert(last < first, `the loss fell (${first} -> ${last})`);
    await row.getByRole('progressbar').and(page.locator('[aria-valuenow="100"]')).waitFor();
    await row.getByText('Registered: it is listed under Models.').waitFor();

    // Registered, and listed from ml.model.update without a reload.
    const m = modelRow('plane');
    await m.waitFor({ timeout: 15_000 });
    assert((await m.getAttribute('data-version')) === '1', 'version 1');
    const r2 = Number((await m.getByTestId('model-metrics').textContent()).match(/R²\s*([\d.]+)/)?.[1]);
    assert(r2 > 0.999, `R² of a near-exact relation (${r2})`);
    console.log(`    ${epochs} epochs charted, loss ${first} -> ${last}, R² ${r2}`);
    assertNoConsoleErrors(session, 'train');
  });

  await step('a prediction of one row matches the known relation', async () => {
    const form = page.getByRole('form', { name: 'Predict' });
    await form.getByLabel('Model', { exact: true }).selectOption('plane');
    for (const [x1, x2] of [
      [4, 7],
      [1.5, 0.5],
    ]) {
      await form.getByLabel('x1', { exact: true }).fill(String(x1));
      await form.getByLabel('x2', { exact: true }).fill(String(x2));
      await form.getByRole('button', { name: 'Predict' }).click();
      const want = relation(x1, x2);
      const value = page.getByTestId('prediction-value');
      await eventually(async () => Math.abs(Number(await value.getAttribute('data-value')) - want) < 0.05, {
        message: `the prediction for x1=${x1}, x2=${x2} is ${want} within 0.05`,
      }).catch(async (err) => {
        throw new Error(`${err.message} (got ${await value.getAttribute('data-value')})`);
      });
    }
    await modelRow('plane').getByRole('button', { name: 'plane', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model plane' });
    const eq = await dialog.getByTestId('model-equation').textContent();
    const fit = /^y = ([\d.]+) \+ ([\d.]+)·x1 − ([\d.]+)·x2$/.exec(eq.trim());
    const close = (got, want) => Math.abs(Number(got) - want) < 0.02;
    assert(fit && close(fit[1], 5) && close(fit[2], 3) && close(fit[3], 2), `the fitted equation reads back the relation: ${eq}`);
    await page.mouse.move(0, 0);
    await screenshot(page, 'ml-model');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await dismissToasts(page);
    await screenshot(page, 'ml');
    assertNoConsoleErrors(session, 'predict');
  });

  await step('a long training is cancelled: no model is registered', async () => {
    const form = page.getByRole('form', { name: 'Train a model' });
    await form.getByLabel(/^Model name/).fill('clusters');
    await form.getByLabel('Kind', { exact: true }).selectOption('kmeans');
    await form.getByLabel(/^Dataset/).fill('points');
    // Fifty copies of both columns: the same points in 100 dimensions.
    await form.getByLabel(/^Features/).fill(Array(50).fill('x1, x2').join(', '));
    await form.getByLabel(/^Clusters \(k\)/).fill('1000');
    await form.getByRole('button', { name: 'Start training' }).click();
    const row = training('clusters');
    await eventually(async () => (await row.getAttribute('data-status')) === 'running', { timeout: 15_000, message: 'training running' });
    await row.getByRole('button', { name: 'Cancel the training of clusters' }).click();
    await eventually(async () => (await row.getAttribute('data-status')) === 'cancelled', { timeout: 15_000, message: 'training cancelled' });
    await row.getByText('Cancelled: no model was registered.').waitFor();
    // The plugin's last word on the run (sent once training returned): from
    // here on nothing can register it.
    await eventually(async () => (await row.getAttribute('data-run-status')) === 'cancelled', { timeout: 15_000, message: 'the plugin reported the run cancelled' });
    const jobId = await row.getAttribute('data-job-id');
    const job = await api.must(200, 'GET', `/orgs/${slug}/jobs/${jobId}`, { token });
    assert(job.status === 'cancelled', `the job is cancelled (${job.status})`);
    assert(!(await listed()).includes('clusters'), `no model "clusters" (models: ${await listed()})`);
    assert((await modelRow('clusters').count()) === 0, 'none listed on the page');
    await open(page, `/o/${slug}/ml`);
    await modelRow('plane').waitFor();
    assert((await page.getByTestId('model-row').count()) === 1, 'one model after a reload');
    assertNoConsoleErrors(session, 'cancel');
  });

  await step('the ML page fits 375 px', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      await open(page, `/o/${slug}/ml`);
      await modelRow('plane').waitFor();
      await page.waitForLoadState('networkidle');
      await assertNoHorizontalOverflow(page, 'ml at 375 px');
      await screenshot(page, 'ml-mobile');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    assertNoConsoleErrors(session, 'ml mobile');
  });
}
