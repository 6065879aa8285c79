import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Role } from '../core/auth/roles.ts';
import { roleAllows } from '../core/auth/roles.ts';
import type { AdminSession } from './auth/session.service.ts';
import { refreshMeta } from './auto-refresh.ts';
import { csrfField } from './components/csrf-field.ts';
import { noticeBanner, type Notice } from './components/notice.ts';
import { html, nothing, when, type Html } from './html.ts';

export const STYLESHEET = readFileSync(new URL('./assets/app.css', import.meta.url), 'utf8');
// In the stylesheet's URL, so browsers may cache it for good and still see every change.
export const STYLESHEET_VERSION = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 10);

export type Section = 'health' | 'integrations' | 'catalog' | 'runs' | 'events' | 'tasks' | 'runbooks' | 'routes' | 'tokens' | 'audit' | 'settings';

/** `role`: shown only to users whose role allows it (the page itself answers 403 to others). */
const NAV: Array<{ section: Section; href: string; label: string; role?: Role }> = [
  { section: 'health', href: '/admin/health', label: 'Health' },
  { section: 'integrations', href: '/admin/integrations', label: 'Integrations' },
  { section: 'catalog', href: '/admin/catalog', label: 'Catalog' },
  { section: 'runs', href: '/admin/runs', label: 'Runs' },
  { section: 'events', href: '/admin/events', label: 'Events' },
  { section: 'tasks', href: '/admin/tasks', label: 'Tasks' },
  { section: 'runbooks', href: '/admin/runbooks', label: 'Runbooks' },
  { section: 'routes', href: '/admin/routes', label: 'Routes' },
  { section: 'tokens', href: '/admin/tokens', label: 'API tokens', role: 'admin' },
  { section: 'audit', href: '/admin/audit', label: 'Audit log', role: 'admin' },
  { section: 'settings', href: '/admin/settings', label: 'Settings', role: 'admin' },
];

export interface Crumb {
  href?: string;
  label: string;
}

export interface PageOptions {
  title: string;
  /** Shown as the h1 when it differs from the document title. */
  heading?: Html | string;
  section?: Section;
  session?: AdminSession | undefined;
  crumbs?: Crumb[];
  notice?: Notice | undefined;
  /** Buttons and links beside the heading. */
  actions?: Html;
  openTasks?: number;
  /** Reload the page every this many seconds (work in progress); ignored when the body has a form. */
  refreshSeconds?: number | undefined;
  body: Html;
}

function head(title: string, refresh: Html = nothing): Html {
  return html`<head>
<meta charset="utf-8">
${refresh}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${title} · Integration hub</title>
<link rel="stylesheet" href="/admin/assets/app.css?v=${STYLESHEET_VERSION}">
</head>`;
}

function navigation(role: Role, active: Section | undefined, openTasks: number | undefined): Html {
  const items = NAV.filter((item) => !item.role || roleAllows(role, item.role)).map(
    (item) => html`<li><a href="${item.href}"${item.section === active ? html` aria-current="page"` : nothing}>${item.label}${when(
      item.section === 'tasks' && openTasks,
      () => html` <span class="count" aria-label="${openTasks} open">${openTasks}</span>`,
    )}</a></li>`,
  );
  return html`<nav class="sidenav" aria-label="Main"><ul>${items}</ul></nav>`;
}

function accountMenu(session: AdminSession): Html {
  return html`<div class="account">
  <span class="account__who"><span class="account__name">${session.user.name}</span> <span class="role role--${session.user.role}">${session.user.role}</span></span>
  <form method="post" action="/admin/logout" class="inline-form">${csrfField(session.csrfToken)}<button type="submit" class="button button--quiet">Sign out</button></form>
</div>`;
}

function breadcrumbs(crumbs: Crumb[] | undefined): Html {
  if (!crumbs || crumbs.length === 0) return nothing;
  const items = crumbs.map((crumb) => (crumb.href ? html`<li><a href="${crumb.href}">${crumb.label}</a></li>` : html`<li aria-current="page">${crumb.label}</li>`));
  return html`<nav class="crumbs" aria-label="Breadcrumb"><ol>${items}</ol></nav>`;
}

/** A page for a signed-in user: header, navigation, heading, notice and content. */
export function layout(page: PageOptions): Html {
  const session = page.session;
  return html`<!doctype html>
<html lang="en">
${head(page.title, refreshMeta(page.refreshSeconds, page.body))}
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="/admin/health"><span class="brand__mark" aria-hidden="true"></span>Integration hub</a>
  ${when(session, () => html`<span class="topbar__tenant" title="Tenant">${session?.tenant.name}</span>`)}
  ${session ? accountMenu(session) : nothing}
</header>
<div class="shell">
  ${session ? navigation(session.user.role, page.section, page.openTasks) : nothing}
  <main id="main" tabindex="-1">
    ${breadcrumbs(page.crumbs)}
    <div class="page-head">
      <h1>${page.heading ?? page.title}</h1>
      ${page.actions ?? nothing}
    </div>
    ${noticeBanner(page.notice)}
    ${page.body}
  </main>
</div>
</body>
</html>`;
}

/** The sign-in page and other pages shown without a session: a centred card. */
export function bareLayout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
${head(title)}
<body class="bare">
<main id="main" class="bare__main">
  <div class="bare__brand"><span class="brand__mark" aria-hidden="true"></span>Integration hub</div>
  ${body}
</main>
</body>
</html>`;
}
