import type { Page } from 'playwright-core';
import type { TestUser } from './admin-server.ts';

/** Fills in the sign-in form as a person would and submits it. */
export async function submitSignIn(page: Page, baseUrl: string, user: Pick<TestUser, 'email' | 'password'>, workspace: string): Promise<void> {
  if (!page.url().includes('/admin/login')) await page.goto(`${baseUrl}/admin/login?workspace=${encodeURIComponent(workspace)}`);
  const field = page.getByLabel('Workspace', { exact: true });
  if (!(await field.isVisible())) await page.locator('details.workspace summary').click();
  await field.fill(workspace);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** The CSRF token of the signed-in session, read from a form on the current page. */
export async function csrfTokenOf(page: Page): Promise<string> {
  return page.locator('input[name="_csrf"]').first().inputValue();
}
