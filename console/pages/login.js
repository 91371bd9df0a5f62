import { api, ApiError, setCsrf } from '../api.js';
import { h } from '../dom.js';

export async function render(ctx) {
  const next = safeNext(ctx.query.get('next'));
  if (ctx.session.user) {
    ctx.navigate(next, { replace: true });
    return [];
  }
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-error' });
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    { class: 'login', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'User name'), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!username.value || !password.value) {
      error.textContent = 'Enter your user name and password.';
      return;
    }
    button.disabled = true;
    try {
      const session = await api.post('/login', { username: username.value, password: password.value });
      setCsrf(session.csrf);
      await ctx.onLogin();
      ctx.flash('');
      ctx.navigate(next, { replace: true });
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  const notes = [];
  if (!ctx.session.loginConfigured) notes.push(h('p', { class: 'notice' }, 'This server has no console users: start it with a users file (INTERFLOW_USERS_FILE, see docs/security.md) to log in.'));
  queueMicrotask(() => username.focus());
  return [
    h('h1', {}, 'Log in to the Interflow console'),
    h('p', { class: 'muted' }, 'Use the same user name and password as for the SOAP services (the users file of this server; the demo prints its users when it starts).'),
    ...notes,
    form,
  ];
}

/** Only console paths: a crafted ?next= must not send the user elsewhere. */
function safeNext(next) {
  return next && /^\/console\/(?!\/)/.test(next) && !next.startsWith('/console/login') ? next : '/console/';
}
