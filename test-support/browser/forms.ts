import type { Page } from 'playwright-core';

// The project's TypeScript has no DOM types; this is all the page code below touches.
interface PageElement {
  append(child: PageElement): void;
  submit(): void;
  method: string;
  action: string;
  type: string;
  name: string;
  value: string;
}
interface PageDocument {
  createElement(tag: string): PageElement;
  body: PageElement;
}

/** Builds and submits a POST form in the page, as a hand-made or forged request would be sent. */
export async function submitForm(page: Page, action: string, fields: Record<string, string>): Promise<void> {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.evaluate(
      ([target, values]) => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        const form = doc.createElement('form');
        form.method = 'post';
        form.action = target;
        for (const [name, value] of Object.entries(values)) {
          const input = doc.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        }
        doc.body.append(form);
        form.submit();
      },
      [action, fields] as const,
    ),
  ]);
}

/** A link of the main navigation. */
export function navLink(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}
