/**
 * What the browser tests share: where Chromium is (Debian's, or TILL_CHROMIUM), how it is
 * launched, the two viewports, and where screenshots go for a person to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TILL_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 860 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Defines the suites of `body` when Chromium is here; without it, prints why they are
 * skipped — or, under TILL_TEST_REQUIRE_ALL=1 (CI), defines one failing test instead.
 */
export function withChromium(title: string, body: () => void): void {
  if (fs.existsSync(CHROMIUM)) {
    body();
  } else if (process.env.TILL_TEST_REQUIRE_ALL !== '1') {
    console.log(`      skipping "${title}": no Chromium at ${CHROMIUM} (apt-get install chromium, or set TILL_CHROMIUM)`);
  } else {
    describe(title, () => {
      it('needs Chromium (TILL_TEST_REQUIRE_ALL=1)', () => {
        throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set TILL_CHROMIUM`);
      });
    });
  }
}

/**
 * The hooks every browser suite has: one Chromium for the suite (launched before its
 * tests, closed after), handed over by `onBrowser`, and `afterEachTest` (stopping that
 * test's Till) after each.
 */
export function chromiumHooks(onBrowser: (b: Browser) => void, afterEachTest: () => Promise<void>): void {
  let browser: Browser | undefined;
  before(async function () {
    this.timeout(60_000);
    browser = await launchChromium();
    onBrowser(browser);
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(afterEachTest);
}
