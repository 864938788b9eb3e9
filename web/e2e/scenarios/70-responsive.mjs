// Every page at a phone's width (375 px) without sideways scrolling, the
// navigation drawer, and the keyboard: skip link, focus order, Escape.
import { assert, assertNoConsoleErrors, assertNoHorizontalOverflow, open, screenshot, waitForBadge } from '../lib/harness.mjs';

export default async function responsive({ step, skip, state }) {
  if (!state.owner || !state.org) return skip('responsive and keyboard', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;

  await step('the org switcher lists the orgs, creates one and switches between them', async () => {
    await open(page, `/o/${slug}`);
    await page.getByTestId('org-switcher').click();
    const menu = page.getByRole('dialog', { name: 'Organizations' });
    await menu.getByRole('button', { name: 'Create organization' }).click();
    const create = page.getByRole('dialog', { name: 'Create organization' });
    await create.getByLabel('Organization name').fill('Acme Labs');
    await create.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/acme-labs$/);
    await page.getByRole('heading', { level: 1, name: 'Acme Labs' }).waitFor();
    await waitForBadge(page, 'connected');
    await page.getByTestId('org-switcher').click();
    await page.getByRole('dialog', { name: 'Organizations' }).getByRole('link', { name: new RegExp(state.org.name) }).click();
    await page.waitForURL(new RegExp(`/o/${slug}$`));
    await page.getByRole('heading', { level: 1, name: state.org.name }).waitFor();
    await waitForBadge(page, 'connected');
    assertNoConsoleErrors(session, 'org switcher');
  });

  await step('every page fits 375 px', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      for (const [path, heading, shot] of [
        [`/o/${slug}`, state.org.name, 'dashboard-mobile'],
        [`/o/${slug}/monitoring`, 'Monitoring', 'monitoring-mobile'],
        [`/o/${slug}/plugins`, 'Plugins', 'plugins-mobile'],
        [`/o/${slug}/members`, 'Members', 'members-mobile'],
        [`/o/${slug}/settings`, 'Settings', 'settings-mobile'],
        ['/orgs', 'Organizations', 'orgs-mobile'],
      ]) {
        await open(page, path);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.waitForLoadState('networkidle');
        await assertNoHorizontalOverflow(page, `${path} at 375 px`);
        await screenshot(page, shot);
      }
      await open(page, `/o/${slug}`);
      await page.getByRole('button', { name: 'Open navigation' }).click();
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Members' }).waitFor();
      await screenshot(page, 'navigation-mobile', { fullPage: false });
      await page.keyboard.press('Escape');
      await nav.waitFor({ state: 'hidden' });
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    assertNoConsoleErrors(session, 'mobile');
  });

  await step('keyboard: skip link, reachable controls, visible focus', async () => {
    await open(page, `/o/${slug}/settings`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.keyboard.press('Tab');
    const skipLink = page.getByRole('link', { name: 'Skip to content' });
    assert(await skipLink.evaluate((el) => el === document.activeElement), 'the first Tab lands on "Skip to content"');
    await page.keyboard.press('Enter');
    assert(await page.evaluate(() => document.activeElement?.id === 'main'), 'Enter moves focus to the main content');
    // Tab order reaches the page's first form control, and focus is visible.
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.tagName === 'INPUT');
    }
    assert(reached, 'Tab reaches the organization name field');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== 'none', `the focused control shows a focus ring (outline ${outline})`);

    // API keys: created from the keyboard, the secret is shown once.
    await page.getByRole('button', { name: 'New key' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.waitFor();
    assert(await dialog.getByLabel('Name').evaluate((el) => el === document.activeElement), 'the dialog focuses its first field');
    await page.keyboard.type('billing-service');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByTestId('api-key-secret');
    await secret.waitFor();
    const key = (await secret.textContent()).trim();
    assert(key.startsWith('sy_'), `the new key is shown (got "${key.slice(0, 6)}…")`);
    await screenshot(page, 'settings', { fullPage: false });
    await page.keyboard.press('Escape');
    await page.getByText('billing-service').waitFor();
    assert((await page.getByText(key).count()) === 0, 'the secret is not shown again');
    await screenshot(page, 'settings-keys');
    assertNoConsoleErrors(session, 'keyboard');
  });
}
