// The console's shell: session, navigation, and a small History-API router. Each page module
// exports render(ctx) and returns the nodes of <main>; ctx has the session and helpers.
import { api, ApiError, setCsrf } from './api.js';
import { h, clear, consoleOwner } from './dom.js';
import * as overview from './pages/overview.js';
import * as attention from './pages/attention.js';
import * as registry from './pages/registry.js';
import * as definitions from './pages/definitions.js';
import * as cases from './pages/cases.js';
import * as worklist from './pages/worklist.js';
import * as login from './pages/login.js';

const BASE = '/console';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const flashBox = document.getElementById('flash');

const routes = [
  { re: /^\/$/, page: overview.render, nav: 'overview', title: 'Overview' },
  { re: /^\/attention$/, page: attention.render, nav: 'overview', title: 'Needs attention' },
  { re: /^\/registry$/, page: registry.render, nav: 'registry', title: 'Registry' },
  { re: /^\/definitions$/, page: definitions.renderList, nav: 'definitions', title: 'Definitions' },
  { re: /^\/definitions\/([^/]+)\/(\d+|latest)$/, page: definitions.renderOne, nav: 'definitions', title: 'Definition' },
  { re: /^\/cases$/, page: cases.renderList, nav: 'cases', title: 'Cases' },
  { re: /^\/cases\/([^/]+)$/, page: cases.renderOne, nav: 'cases', title: 'Case' },
  { re: /^\/worklist$/, page: worklist.renderList, nav: 'worklist', title: 'Worklist' },
  { re: /^\/worklist\/([^/]+)$/, page: worklist.renderOne, nav: 'worklist', title: 'Work item' },
  { re: /^\/login$/, page: login.render, nav: null, title: 'Log in', public: true },
];

const state = { session: null, stopPage: null, renderSeq: 0 };

export function navigate(path, { replace = false } = {}) {
  const url = path.startsWith(BASE) ? path : `${BASE}${path}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  void show();
}

export function flash(message, kind = 'ok') {
  clear(flashBox);
  if (message) flashBox.append(h('p', { class: `flash flash-${kind}` }, message));
}

async function loadSession() {
  state.session = await api.get('/session');
  setCsrf(state.session.csrf);
  renderChrome();
}

/** "Interflow — Tax bureau (tax)": every page says whose console it is. */
function consoleTitle() {
  const owner = consoleOwner(state.session);
  return owner ? `Interflow — ${owner}` : 'Interflow';
}

function pageTitle(text) {
  return `${text} · ${consoleTitle()} console`;
}

function renderChrome(current) {
  clear(nav);
  clear(who);
  const s = state.session;
  const brand = document.getElementById('brand');
  const owner = consoleOwner(s);
  clear(brand).append('Interflow', ...(owner ? [h('span', { class: 'owner' }, ` — ${owner}`)] : []));
  if (!s?.user) return;
  const items = [
    ['overview', '/', 'Overview'],
    ['registry', '/registry', 'Registry'],
    ['definitions', '/definitions', 'Definitions'],
    ['cases', '/cases', 'Cases'],
    ['worklist', '/worklist', 'Worklist'],
  ].filter(([key]) => s.role !== 'hub' || key === 'overview' || key === 'registry'); // the hub runs no cases
  nav.append(h('ul', {}, items.map(([key, path, text]) => h('li', {}, h('a', { href: `${BASE}${path}`, ...(key === current ? { 'aria-current': 'page' } : {}) }, text)))));
  const role = s.user.admin ? 'administrator' : s.user.participants.length ? `acts as ${s.user.participants.join(', ')}` : 'read only';
  who.append(h('span', { class: 'user' }, h('strong', {}, s.user.username), ` (${role})`));
  if (!s.user.anonymous) who.append(h('button', { type: 'button', class: 'link-button', onclick: logout }, 'Log out'));
  else who.append(h('span', { class: 'badge state-warn', title: 'No users file: the console is open, like the SOAP services' }, 'open console'));
}

async function logout() {
  try {
    await api.post('/logout');
  } catch {
    // the session may already be gone; either way the user is out
  }
  state.session = { ...state.session, user: null, csrf: null };
  setCsrf(null);
  flash('You are logged out.');
  navigate('/login');
}

async function show() {
  const seq = ++state.renderSeq;
  state.stopPage?.();
  state.stopPage = null;
  const path = location.pathname.slice(BASE.length) || '/';
  const route = routes.find((r) => r.re.test(path));
  if (!state.session) {
    try {
      await loadSession();
    } catch (e) {
      return showError(e);
    }
  }
  if (!route) return showError(new ApiError(404, 'There is no such console page.'));
  if (!route.public && !state.session.user) {
    const back = location.pathname + location.search;
    history.replaceState(null, '', `${BASE}/login?next=${encodeURIComponent(back)}`);
    return show();
  }
  renderChrome(route.nav);
  const params = path.match(route.re).slice(1).map(decodeURIComponent);
  const ctx = {
    session: state.session,
    params,
    query: new URLSearchParams(location.search),
    navigate,
    flash,
    onLogin: async () => {
      await loadSession();
    },
    setTitle: (text) => {
      document.title = pageTitle(text);
    },
    /** A page that refreshes itself registers its stop function here. */
    onLeave: (fn) => {
      state.stopPage = fn;
    },
    isCurrent: () => seq === state.renderSeq,
  };
  document.title = pageTitle(route.title);
  try {
    const nodes = await route.page(ctx);
    if (seq !== state.renderSeq) return;
    clear(main).append(...[nodes].flat());
    const heading = main.querySelector('h1');
    if (heading) heading.setAttribute('tabindex', '-1');
    (heading ?? main).focus({ preventScroll: false });
  } catch (e) {
    if (seq !== state.renderSeq) return;
    if (e instanceof ApiError && e.status === 401) {
      state.session = null;
      history.replaceState(null, '', `${BASE}/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      return show();
    }
    showError(e);
  }
}

function showError(e) {
  const message = e instanceof ApiError ? e.message : `Something went wrong in the page: ${e?.message ?? e}`;
  const title = e instanceof ApiError && e.status === 404 ? 'Not found' : e instanceof ApiError && e.status === 403 ? 'Not allowed' : 'Could not load this page';
  clear(main).append(h('h1', { tabindex: '-1' }, title), h('p', { class: 'error', role: 'alert' }, message), h('p', {}, h('a', { href: `${BASE}/` }, 'Back to the overview')));
  main.querySelector('h1').focus();
}

// Same-origin links inside the console are handled here; the rest (downloads, raw WSDLs) go to the browser.
document.addEventListener('click', (event) => {
  const a = event.target instanceof Element ? event.target.closest('a') : null;
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`) || url.pathname.startsWith(`${BASE}/api/`) || url.pathname.startsWith(`${BASE}/static/`)) return;
  event.preventDefault();
  flash('');
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void show());

void show();
