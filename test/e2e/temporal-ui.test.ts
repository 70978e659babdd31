import fs from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

/**
 * What an operator does in the Temporal UI (2.42, as served by the dev server), in a real browser: find a
 * failed visit by the number printed on its badge, read why it failed and what to do — on the page, never
 * in a JSON box — fix the cause, retry it from the UI, and see it active. The steps are the ones
 * docs/operations.md gives; the clicks are counted, because the number of them is the point.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
const CHROMIUM = CANDIDATES.find((p) => fs.existsSync(p));
const MISSING_CHROMIUM =
  `Chromium was not found (looked at ${CANDIDATES.join(', ')}); this test drives a real browser through the Temporal UI. ` +
  'Install it (Debian/Ubuntu: `apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary.';
/** Unique to this file: the dev server (and so the UI's search) is shared by the whole test run. */
const BADGE_NUMBER = '1942';
const SHOTS = process.env.UI_SCREENSHOTS;

describe('Temporal UI: an operator finds, understands and retries a failed visit', () => {
  let env: VisitEnv;
  let browser: Browser;
  let page: Page;
  let ui: string;
  beforeAll(async () => {
    if (!CHROMIUM) throw new Error(MISSING_CHROMIUM);
    if (!process.env.TEST_TEMPORAL_UI_URL) throw new Error('The dev server of test/global-setup.ts runs without its UI; start it with headless: false.');
    ui = process.env.TEST_TEMPORAL_UI_URL;
    env = await startVisitEnv('onguard');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  let clicks = 0;
  const click = async (target: Locator) => {
    clicks++;
    await target.click();
  };
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  /** Text of the page and of its frames: the UI renders Markdown metadata in sandboxed frames. */
  const visibleText = async () => {
    const texts = await Promise.all(
      page.frames().map((f) =>
        f
          .locator('body')
          .innerText()
          .catch(() => ''),
      ),
    );
    return texts.join('\n');
  };
  /** Workflow IDs a visibility query finds (what the UI's query box runs). */
  const visitsMatching = async (query: string) => {
    const ids: string[] = [];
    for await (const w of env.api.temporal.workflow.list({ query })) ids.push(w.workflowId);
    return ids;
  };
  const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) {
        await shot(`timeout-${what.replace(/\W+/g, '-')}`);
        throw new Error(`Timed out waiting for ${what}`);
      }
      await page.waitForTimeout(250);
    }
  };

  it('finds it by badge number, reads the reason and what to do on the page, retries it, and it becomes active', async () => {
    // The card with this number is held by a site cardholder (Grace Hopper) in OnGuard.
    const state = await env.simCall('GET', '/__sim/state');
    const template = (state.instances.Lnl_Badge as Array<Record<string, unknown>>).find((b) => b.ID === 1500)!;
    const { BADGEKEY: _key, ...row } = template;
    await env.simCall('POST', '/__sim/seed', { badges: [{ ...row, ID: Number(BADGE_NUMBER), PERSONID: 2 }] });
    const badgeId = await env.addBadge(BADGE_NUMBER);
    const v = await env.signIn(badgeId, { firstName: 'Katherine', lastName: 'Johnson' });
    await env.waitFor(v.body.id, 'provision_failed');

    // The workflow list, as an operator opens it.
    await page.goto(`${ui}/namespaces/default/workflows`);
    await click(page.getByTestId('toggle-manual-query'));
    const query = page.getByPlaceholder('Enter a query');
    await click(query);
    await query.fill(`VisitBadgeNumber = "${BADGE_NUMBER}"`);
    await click(page.getByRole('button', { name: 'Search', exact: true }));
    const link = page.getByRole('link', { name: `visit-${v.body.id}` });
    await eventually('the visit in the filtered list', async () => (await link.count()) === 1);
    await shot('1-list');
    await click(link);
    await click(page.getByText('User Metadata', { exact: true }));
    await eventually('the reason on the workflow page', async () => /BADGE_ALREADY_ASSIGNED/.test(await visibleText()));
    await shot('2-reason');
    const reasonClicks = clicks;
    // The reason code and the readable names are filterable too (what the UI's query box runs).
    expect(
      await visitsMatching(`VisitErrorCode = "BADGE_ALREADY_ASSIGNED" AND VisitLocationName = "onguard site" AND VisitProviderName = "onguard simulator"`),
    ).toContain(`visit-${v.body.id}`);
    const text = await visibleText();
    expect(text).toMatch(/Provision failed/);
    expect(text).toMatch(/Katherine Johnson/);
    expect(text).toMatch(/What to do: Search for the badge ID in OnGuard, remove it from that person, then retry\./);
    // Said once: the guidance is not repeated in what happened.
    expect(text.match(/remove it from that person/g)).toHaveLength(1);

    // The operator fixes the cause in OnGuard: the card is taken off the cardholder.
    const now = await env.simCall('GET', '/__sim/state');
    const badges = (now.instances.Lnl_Badge as Array<{ ID: number }>).filter((b) => b.ID !== Number(BADGE_NUMBER));
    await env.simCall('POST', '/__sim/seed', { replace: true, badges });

    await click(page.getByRole('button', { name: 'More Actions' }));
    await click(page.getByRole('menuitem', { name: 'Send a Signal' }).filter({ visible: true }).first());
    const dialog = page.getByTestId('signal-confirmation-modal').filter({ visible: true });
    await click(dialog.getByTestId('signal-select-button').filter({ visible: true }));
    await click(dialog.getByRole('option', { name: 'retry', exact: true }).filter({ visible: true }));
    await shot('3-signal');
    await click(dialog.getByRole('button', { name: 'Submit' }));
    const retryClicks = clicks;

    // The visit becomes active, for reception (the API) and on the page the operator has open.
    const active = await env.waitFor(v.body.id, 'active');
    expect(active.timeline.map((e: { detail?: string }) => e.detail)).toContain('retry requested by an operator');
    await page.reload();
    await click(page.getByText('User Metadata', { exact: true }));
    await eventually('the visit active on the workflow page', async () => /Active: the badge is on/.test(await visibleText()));
    await shot('4-active');
    // Active: no current failure to filter on any more.
    await eventually(
      'VisitErrorCode cleared',
      async () => !(await visitsMatching(`VisitBadgeNumber = "${BADGE_NUMBER}" AND VisitErrorCode IS NOT NULL`)).length,
    );

    console.log(`[measure] clicks list→reason: ${reasonClicks}, list→retry: ${retryClicks}`);
    expect(reasonClicks).toBeLessThanOrEqual(5);
    expect(retryClicks).toBeLessThanOrEqual(10);
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
  }, 120_000);
});
