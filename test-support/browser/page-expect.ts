import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

// Small retrying assertions over playwright-core locators (the @playwright/test matchers are not
// available under vitest). Pages are server-rendered, so retries only bridge navigation.

const TIMEOUT_MS = 5_000;

async function retry(what: string, check: () => Promise<void>, timeoutMs = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function expectVisible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: TIMEOUT_MS });
}

export async function expectText(locator: Locator, expected: string | RegExp): Promise<void> {
  await retry(`text of ${locator}`, async () => {
    const text = (await locator.first().innerText({ timeout: 1_000 })).replace(/\s+/g, ' ');
    if (typeof expected === 'string') expect(text).toContain(expected);
    else expect(text).toMatch(expected);
  });
}

export async function expectCount(locator: Locator, count: number): Promise<void> {
  await retry(`count of ${locator}`, async () => expect(await locator.count()).toBe(count));
}

export async function expectValue(locator: Locator, value: string): Promise<void> {
  await retry(`value of ${locator}`, async () => expect(await locator.inputValue({ timeout: 1_000 })).toBe(value));
}

export async function expectAttribute(locator: Locator, name: string, value: string): Promise<void> {
  await retry(`attribute ${name} of ${locator}`, async () => expect(await locator.getAttribute(name, { timeout: 1_000 })).toBe(value));
}

/** Clicks something that loads a new page and waits for that page. */
export async function clickAndWait(page: Page, locator: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), locator.click()]);
}

export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}
