// pgotool serve: the web UI (a one-page app with hash routing).
// Plain ES2020, no libraries, no build step. The page runs under a strict
// Content-Security-Policy: all data goes into the DOM with textContent and
// createElement, never as markup.
'use strict';

(() => {
  const API = '/ui/api/';
  const WINDOWS = ['24h', '72h', '8d'];
  const DEFAULT_WINDOW = '72h';
  const PER_PAGE = 50;
  const MAX_IDS = 50;          // the profile and download endpoints take 1..50 ids
  const HOT_SITES_SHOWN = 100;
  const RETURN_KEY = 'pgotool.return';
  const SETS_KEY = 'pgotool.sets';

  let csrf = null;             // X-CSRF-Token of the session, once known
  let generation = 0;          // bumped on every route change; stale work checks it
  let controller = null;       // aborts the previous view's requests
  let cleanups = [];           // run when the view is left

  class AuthError extends Error {}
  class StaleError extends Error {}

  // ---------------------------------------------------------------- DOM helpers

  const $ = (sel, root = document) => root.querySelector(sel);

  // h('tag', {class, text, data: {...}, onclick: fn, attr: value}, ...children)
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k === 'data') {
          for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
        } else if (k.startsWith('on') && typeof v === 'function') {
          el.addEventListener(k.slice(2), v);
        } else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
      }
    }
    append(el, kids);
    return el;
  }

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  function tableWrap(table, extraClass) {
    return h('div', {class: 'table-wrap' + (extraClass ? ' ' + extraClass : '')}, table);
  }

  function thead(cols) {
    return h('thead', null, h('tr', null, cols.map((c) => {
      if (c instanceof Node) return h('th', null, c);
      const [label, cls, title] = Array.isArray(c) ? c : [c];
      return h('th', {class: cls, title, scope: 'col'}, label);
    })));
  }

  function td(content, cls, title) {
    return h('td', {class: cls, title}, content);
  }

  function windowSelect(id, value, onchange) {
    const sel = h('select', {id, 'aria-label': 'Time window'},
      WINDOWS.map((w) => h('option', {value: w, text: windowLabel(w)})));
    sel.value = value;
    sel.addEventListener('change', () => onchange(sel.value));
    return sel;
  }

  function windowLabel(w) {
    return {'24h': 'last 24 hours', '72h': 'last 72 hours', '8d': 'last 8 days'}[w] || w;
  }

  // ----------------------------------------------------------------- formatting

  const intFmt = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});

  function fmtInt(v) {
    return Number.isFinite(v) ? intFmt.format(v) : '—';
  }

  function fixed(v, digits) {
    return Number.isFinite(v) ? v.toFixed(digits) : '—';
  }

  // p is a percentage (0..100).
  function fmtPct(p) {
    if (!Number.isFinite(p)) return '—';
    if (p === 0) return '0%';
    if (p === 100) return '100%';
    const a = Math.abs(p);
    let s;
    if (a >= 99.95 && a < 100) s = p.toFixed(2);
    else if (a >= 1) s = p.toFixed(1);
    else if (a >= 0.1) s = p.toFixed(2);
    else if (a >= 0.001) s = p.toFixed(3);
    else return (p < 0 ? '>-' : '<') + '0.001%';
    return s + '%';
  }

  // s is a share (0..1).
  const fmtShare = (s) => fmtPct(s * 100);

  function fmtValue(v, unit) {
    if (!Number.isFinite(v)) return '—';
    const a = Math.abs(v);
    switch (unit) {
      case 'nanoseconds':
        if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e11 ? 0 : a >= 1e10 ? 1 : 2) + ' s';
        if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2) + ' ms';
        if (a >= 1e3) return (v / 1e3).toFixed(1) + ' µs';
        return fmtInt(v) + ' ns';
      case 'microseconds': return fmtValue(v * 1e3, 'nanoseconds');
      case 'milliseconds': return fmtValue(v * 1e6, 'nanoseconds');
      case 'seconds': return fmtValue(v * 1e9, 'nanoseconds');
      case 'count':
      case 'samples':
        return fmtInt(v) + (v === 1 ? ' sample' : ' samples');
      case 'bytes': {
        const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let x = v;
        let i = 0;
        while (Math.abs(x) >= 1024 && i < units.length - 1) { x /= 1024; i++; }
        return (i === 0 ? fmtInt(x) : x.toFixed(1)) + ' ' + units[i];
      }
      default:
        return fmtInt(v) + (unit ? ' ' + unit : '');
    }
  }

  function fmtAge(s) {
    if (!Number.isFinite(s)) return '—';
    if (s < 0) s = 0;
    if (s < 90) return Math.round(s) + 's ago';
    if (s < 90 * 60) return Math.round(s / 60) + 'm ago';
    if (s < 48 * 3600) return Math.round(s / 3600) + 'h ago';
    return Math.round(s / 86400) + 'd ago';
  }

  function fmtDuration(s) {
    if (!Number.isFinite(s)) return '—';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 100) return Number(s.toFixed(1)) + ' s';
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return m + 'm' + (r ? ' ' + r + 's' : '');
  }

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  }

  function plural(n, one, many) {
    return fmtInt(n) + ' ' + (n === 1 ? one : many);
  }

  // --------------------------------------------------------- query strings

  // For API URLs: strict encoding.
  function apiQuery(pairs) {
    return pairs.filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
  }

  // For the hash: the same, but ':' '/' ',' '@' stay readable.
  function hashQuery(pairs) {
    return pairs.filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => encodeURIComponent(k) + '=' +
        encodeURIComponent(v).replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%2C/gi, ',').replace(/%40/gi, '@'))
      .join('&');
  }

  function hashFor(name, pairs) {
    const q = pairs ? hashQuery(pairs) : '';
    return '#/' + name + (q ? '?' + q : '');
  }

  // A Datadog search value, quoted when it is not a plain word.
  function quoteValue(v) {
    return /^[A-Za-z0-9_.\-/@]+$/.test(v) ? v : '"' + String(v).replace(/["\\]/g, '\\$&') + '"';
  }

  function tagTerm(tag) {
    const i = tag.indexOf(':');
    return i <= 0 ? quoteValue(tag) : tag.slice(0, i) + ':' + quoteValue(tag.slice(i + 1));
  }

  function validWindow(w) {
    return WINDOWS.includes(w) ? w : DEFAULT_WINDOW;
  }

  // The source of a profile view, a download or one side of a comparison:
  // explicit ids, or a query (what `pgotool fetch` would merge).
  function sourcePairs(ids, q, win, top, idKey = 'id', qKey = 'q') {
    if (ids.length) return ids.map((id) => [idKey, id]);
    const pairs = [[qKey, q || ''], ['window', validWindow(win)]];
    if (top) pairs.push(['top', top]);
    return pairs;
  }

  // ------------------------------------------------------------------- the API

  async function api(path, opts = {}) {
    const method = opts.method || 'GET';
    const headers = {Accept: 'application/json'};
    const init = {method, headers, credentials: 'same-origin', cache: 'no-store', signal: opts.signal};
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    let text;
    try {
      res = await fetch(path, init);
      text = res.status === 204 ? '' : await res.text();
    } catch (e) {
      if (e && e.name === 'AbortError') throw new StaleError('aborted');
      throw new Error('Cannot reach the server (' + (e && e.message ? e.message : e) + ')');
    }
    if (res.status === 401 && !opts.quiet401) {
      toSignin();
      throw new AuthError('Sign in first.');
    }
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        if (res.ok) throw new Error('The server sent a malformed answer to ' + path.split('?')[0] + '.');
      }
    }
    if (!res.ok) {
      const msgs = data && Array.isArray(data.errors) ? data.errors.filter((m) => typeof m === 'string') : [];
      const err = new Error(msgs.length ? msgs.join('; ') : 'The server answered ' + res.status + ' ' + res.statusText + '.');
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function toSignin() {
    const here = location.hash;
    if (here && !here.startsWith('#/signin')) sessionStorage.setItem(RETURN_KEY, here);
    csrf = null;
    if (!location.hash.startsWith('#/signin')) location.hash = '#/signin';
  }

  async function sessionToken() {
    if (csrf) return csrf;
    const s = await api(API + 'session', {quiet401: true});
    csrf = s && s.csrf;
    return csrf;
  }

  async function signout() {
    const btn = $('#signout');
    btn.disabled = true;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await sessionToken();
          await api(API + 'session', {method: 'DELETE', quiet401: true});
          break;
        } catch (e) {
          if (e.status === 401) break;                 // no session left anyway
          if (e.status === 403 && attempt === 0) { csrf = null; continue; }
          throw e;
        }
      }
      csrf = null;
      sessionStorage.removeItem(RETURN_KEY);
      navigate('#/signin');
    } catch (e) {
      showError(e.message);
    } finally {
      btn.disabled = false;
    }
  }

  // ---------------------------------------------------------------- routing

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const qi = raw.indexOf('?');
    const name = (qi < 0 ? raw : raw.slice(0, qi)).replace(/\/+$/, '');
    const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    return {name, params};
  }

  function navigate(hash) {
    document.body.dataset.ready = 'false';
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function setLoading() {
    document.body.dataset.ready = 'false';
  }

  function finished(view) {
    document.body.dataset.view = view;
    document.body.dataset.ready = 'true';
  }

  function showError(msg) {
    $('#error').textContent = msg;
  }

  function clearError() {
    $('#error').textContent = '';
  }

  const VIEWS = {
    signin: viewSignin,
    services: viewServices,
    search: viewSearch,
    profile: viewProfile,
    compare: viewCompare,
  };

  const TITLES = {signin: 'Sign in', services: 'Services', search: 'Search', profile: 'Profile', compare: 'Compare'};

  async function route() {
    const my = ++generation;
    if (controller) controller.abort();
    controller = new AbortController();
    for (const f of cleanups.splice(0)) {
      try { f(); } catch (e) { /* a view's cleanup must not stop the next view */ }
    }
    clearError();
    setLoading();
    let {name, params} = parseHash();
    if (!VIEWS[name]) {
      name = 'services';
      params = new URLSearchParams();
      history.replaceState(null, '', '#/services');
    }
    document.body.dataset.route = name;
    document.title = TITLES[name] + ' · pgotool';
    for (const a of document.querySelectorAll('#nav a[data-nav]')) {
      if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const app = $('#app');
    const ctx = {
      params,
      signal: controller.signal,
      alive: () => my === generation,
      check() { if (my !== generation) throw new StaleError('stale'); },
      onLeave(f) { cleanups.push(f); },
    };
    try {
      await VIEWS[name](ctx, app);
      if (my === generation) finished(name);
    } catch (e) {
      if (my !== generation || e instanceof StaleError || e instanceof AuthError) return;
      showError(e.message || String(e));
      finished(name);
    }
  }

  // ------------------------------------------------------------------ sign-in

  async function viewSignin(ctx, app) {
    const key = h('input', {id: 'signin-key', type: 'password', name: 'app_key', autocomplete: 'current-password',
      required: true, spellcheck: 'false'});
    const submit = h('button', {id: 'signin-submit', type: 'submit', class: 'btn btn-primary', text: 'Sign in'});
    const refusal = h('p', {id: 'signin-error', class: 'form-error', role: 'alert'});
    // A username field for password managers (and Chrome's form checks); the server needs only the key.
    const user = h('input', {type: 'text', name: 'username', autocomplete: 'username', value: 'pgotool', hidden: true,
      tabindex: '-1', 'aria-hidden': 'true'});
    const form = h('form', {id: 'signin-form', class: 'card signin', autocomplete: 'on'}, user,
      h('h1', {text: 'Sign in to pgotool'}),
      h('p', {class: 'muted', text: 'Use the application key of this server: its --app-key, $PGOTOOL_APP_KEY, or the one it wrote into DIR/keys on first start.'}),
      h('label', {for: 'signin-key', text: 'Application key'}),
      key,
      h('div', {class: 'form-actions'}, submit),
      refusal);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      refusal.textContent = '';
      clearError();
      submit.disabled = true;
      setLoading();
      try {
        const s = await api(API + 'session', {method: 'POST', body: {app_key: key.value}, quiet401: true});
        csrf = s && s.csrf;
        let back = sessionStorage.getItem(RETURN_KEY) || '';
        sessionStorage.removeItem(RETURN_KEY);
        if (!back.startsWith('#/') || back.startsWith('#/signin')) back = '#/services';
        navigate(back);
      } catch (err) {
        refusal.textContent = err.status === 403 || err.status === 401
          ? (err.message || 'The key was refused.')
          : err.message;
        submit.disabled = false;
        key.select();
        finished('signin');
      }
    });
    app.replaceChildren(h('div', {class: 'signin-page'}, form));
    key.focus();
  }

  // ----------------------------------------------------------------- services

  const STATE_TEXT = {
    on: 'on', off: 'off', partly: 'partly', unknown: 'unknown',
  };
  const STATE_TITLE = {
    on: 'every profile in the window is tagged pgo:true',
    off: 'no profile in the window is tagged pgo:true',
    partly: 'some profiles are tagged pgo:true, some are not',
    unknown: 'the profiles carry no pgo tag',
  };

  function stateBadge(state) {
    const s = STATE_TEXT[state] ? state : 'unknown';
    return h('span', {class: 'badge state-' + s, title: STATE_TITLE[s], text: 'PGO ' + STATE_TEXT[s]});
  }

  async function viewServices(ctx, app) {
    const win = validWindow(ctx.params.get('window'));
    const sel = windowSelect('services-window', win, (w) => navigate(hashFor('services', [['window', w]])));
    const answer = h('div', {id: 'services-answer', class: 'answer'}, h('span', {class: 'muted', text: 'Loading…'}));
    const tbody = h('tbody');
    const table = h('table', {id: 'services', class: 'data'},
      thead(['Service', 'Env', 'Version', ['PGO', null, 'state, and the share of profiles tagged pgo:true'],
        ['Profiles', 'num'], ['CPU cores', 'num', 'mean CPU cores per profile'], ['Newest', 'num', 'age of the newest profile']]),
      tbody);
    const meta = h('p', {class: 'muted meta'});
    app.replaceChildren(
      h('div', {class: 'page-head'},
        h('h1', {text: 'Is PGO on everywhere?'}),
        h('div', {class: 'toolbar'}, h('label', {for: 'services-window', text: 'Window'}), sel)),
      answer, meta, tableWrap(table));

    const data = await api(API + 'services?' + apiQuery([['window', win]]), {signal: ctx.signal});
    ctx.check();
    // In the server's order: services without PGO first, then by service, env, version.
    const services = Array.isArray(data.services) ? data.services : [];

    const counts = {on: 0, off: 0, partly: 0, unknown: 0};
    for (const s of services) counts[STATE_TEXT[s.state] ? s.state : 'unknown']++;
    const notOn = services.length - counts.on;
    answer.replaceChildren();
    if (!services.length) {
      answer.className = 'answer answer-none';
      append(answer, [h('strong', {text: 'No profiles in the ' + windowLabel(win) + '.'})]);
    } else if (notOn === 0) {
      answer.className = 'answer answer-ok';
      append(answer, [h('strong', {text: 'Yes: PGO is on in all ' + plural(services.length, 'service', 'services') + '.'})]);
    } else {
      answer.className = 'answer answer-bad';
      append(answer, [h('strong', {text: 'No: PGO is not on in ' + fmtInt(notOn) + ' of ' + plural(services.length, 'service', 'services') + '.'})]);
    }
    if (services.length) {
      const chips = h('span', {class: 'chips'});
      for (const st of ['off', 'partly', 'unknown', 'on']) {
        if (counts[st]) append(chips, [h('span', {class: 'badge state-' + st, title: STATE_TITLE[st], text: counts[st] + ' ' + st})]);
      }
      answer.append(chips);
    }
    meta.textContent = plural(data.profiles || 0, 'profile', 'profiles') + ' from ' + fmtTime(data.from) + ' to ' + fmtTime(data.to) + '.';

    const rows = services.map((s) => {
      const state = STATE_TEXT[s.state] ? s.state : 'unknown';
      const q = 'service:' + quoteValue(s.service || '') + (s.env ? ' env:' + quoteValue(s.env) : '');
      const link = h('a', {href: hashFor('search', [['q', q], ['window', win], ['page', '0']]), text: s.service || '(none)',
        title: 'Search ' + q});
      const share = Number(s.pgo_share);
      return h('tr', {class: 'service-row state-row-' + state,
        data: {service: s.service || '', env: s.env || '', version: s.version || '', state}},
      td(link, 'name'),
      td(s.env || '—', s.env ? null : 'muted'),
      td(s.version || '—', s.version ? null : 'muted'),
      td([stateBadge(state), ' ', h('span', {class: 'share', text: fmtShare(share) + ' pgo:true',
        title: fmtInt(s.pgo_true) + ' pgo:true, ' + fmtInt(s.pgo_false) + ' pgo:false'})], 'pgo'),
      td(fmtInt(s.profiles), 'num'),
      td(fixed(Number(s.cpu_cores), 2), 'num'),
      td(fmtAge(Number(s.newest_age_s)), 'num', fmtTime(s.newest)));
    });
    if (!rows.length) {
      rows.push(h('tr', {class: 'empty'}, h('td', {colspan: 7, text: 'No services sent profiles in the ' + windowLabel(win) + '.'})));
    }
    tbody.replaceChildren(...rows);
  }

  // ------------------------------------------------------------------- search

  let selection = {key: '', ids: new Set()};

  function loadSets() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SETS_KEY) || '{}');
      return {a: s.a || null, b: s.b || null};
    } catch (e) {
      return {a: null, b: null};
    }
  }

  function saveSets(sets) {
    sessionStorage.setItem(SETS_KEY, JSON.stringify(sets));
  }

  async function viewSearch(ctx, app) {
    const p = ctx.params;
    const q = p.get('q') || '';
    const win = validWindow(p.get('window'));
    const page = Math.max(0, parseInt(p.get('page') || '0', 10) || 0);
    const top = p.get('top') || null;
    const key = q + '\u0000' + win + '\u0000' + (top || '');
    if (selection.key !== key) selection = {key, ids: new Set()};

    const go = (newPage, query = input.value.trim(), w = winSel.value) => {
      const pairs = [['q', query], ['window', w], ['page', String(newPage)]];
      if (top) pairs.push(['top', top]);
      navigate(hashFor('search', pairs));
    };

    const input = h('input', {id: 'search-q', type: 'search', value: q, autocomplete: 'off', spellcheck: 'false',
      placeholder: 'service:checkout env:prod -pgo:true', 'aria-label': 'Search query (Datadog search syntax)'});
    // A new search starts a new selection; paging keeps it.
    const fresh = () => { selection = {key: '', ids: new Set()}; };
    const winSel = windowSelect('search-window', win, () => { fresh(); go(0); });
    const goBtn = h('button', {id: 'search-go', type: 'submit', class: 'btn btn-primary', text: 'Search'});
    const form = h('form', {class: 'searchbar', role: 'search'}, input, winSel, goBtn);
    form.addEventListener('submit', (e) => { e.preventDefault(); fresh(); go(0); });

    const total = h('span', {id: 'search-total', class: 'total', text: '…'});
    const pickedInfo = h('span', {class: 'muted'});
    const topPairs = sourcePairs([], q, win, top);
    const dlTop = h('a', {id: 'download-top', class: 'btn', href: API + 'download?' + apiQuery(topPairs),
      download: 'default.pgo', text: 'Download default.pgo',
      title: 'the default.pgo that `pgotool fetch` writes for this query: the picked profiles, merged'});
    const openTop = h('a', {id: 'open-top', class: 'btn', href: hashFor('profile', topPairs), text: 'Open merged profile',
      title: 'the merge of the picked profiles'});

    const selInfo = h('span', {id: 'selection-info', class: 'muted'});
    const openSel = h('button', {id: 'open-selected', type: 'button', class: 'btn', text: 'Open selection'});
    const dlSel = h('button', {id: 'download-selected', type: 'button', class: 'btn', text: 'Download selection'});
    const setA = h('button', {id: 'set-a', type: 'button', class: 'btn', text: 'Set A', title: 'remember the checked profiles (or, with none checked, the picked ones) as side A, the old side'});
    const setB = h('button', {id: 'set-b', type: 'button', class: 'btn', text: 'Set B', title: 'remember the checked profiles (or, with none checked, the picked ones) as side B, the new side'});
    const setsInfo = h('span', {id: 'sets-info', class: 'muted'});
    const compareGo = h('button', {id: 'compare-go', type: 'button', class: 'btn btn-primary', text: 'Compare A → B'});

    const selectAll = h('input', {type: 'checkbox', id: 'select-all', 'aria-label': 'Select all on this page'});
    const tbody = h('tbody');
    const table = h('table', {id: 'search-results', class: 'data'},
      thead([selectAll, 'Service', 'Tags', ['CPU cores', 'num'], ['Duration', 'num'], ['Age', 'num'],
        ['Fetch', null, 'picked: `pgotool fetch` of this query would merge this profile']]),
      tbody);
    const prev = h('button', {id: 'page-prev', type: 'button', class: 'btn', text: '← Newer', disabled: true});
    const next = h('button', {id: 'page-next', type: 'button', class: 'btn', text: 'Older →', disabled: true});
    const pageInfo = h('span', {id: 'page-info', class: 'muted'});

    app.replaceChildren(
      h('div', {class: 'page-head'}, h('h1', {text: 'Search profiles'})),
      form,
      h('div', {class: 'resultbar'},
        h('div', {class: 'resultbar-left'}, total, pickedInfo),
        h('div', {class: 'actions'}, openTop, dlTop)),
      h('div', {class: 'selectionbar'},
        selInfo, openSel, dlSel,
        h('span', {class: 'sep'}), setA, setB, setsInfo, compareGo),
      tableWrap(table, 'tall'),
      h('div', {class: 'pager'}, prev, pageInfo, next));
    if (!q) input.focus();

    let pageIds = [];
    const selectedIds = () => [...selection.ids];

    function refreshSelection() {
      const n = selection.ids.size;
      selInfo.textContent = n ? plural(n, 'profile', 'profiles') + ' checked' : 'No profile checked';
      openSel.disabled = n === 0;
      dlSel.disabled = n === 0;
      const onPage = pageIds.filter((id) => selection.ids.has(id)).length;
      selectAll.checked = pageIds.length > 0 && onPage === pageIds.length;
      selectAll.indeterminate = onPage > 0 && onPage < pageIds.length;
    }

    function refreshSets() {
      const sets = loadSets();
      const side = (s) => (s && s.ids && s.ids.length ? plural(s.ids.length, 'profile', 'profiles') : '—');
      setsInfo.textContent = 'A: ' + side(sets.a) + ' · B: ' + side(sets.b);
      setsInfo.title = [sets.a && sets.a.label ? 'A: ' + sets.a.label : '', sets.b && sets.b.label ? 'B: ' + sets.b.label : '']
        .filter(Boolean).join('\n');
      compareGo.disabled = !(sets.a && sets.a.ids.length && sets.b && sets.b.ids.length);
    }

    let pickedIds = [];
    function remember(side) {
      clearError();
      let ids = selectedIds();
      let label = plural(ids.length, 'checked profile', 'checked profiles') + (q ? ' of ' + q : '');
      if (!ids.length) {
        ids = pickedIds.slice();
        label = 'the profiles fetch picks for ' + (q || 'everything') + ' (' + win + ')';
      }
      if (!ids.length) { showError('Check some profiles first.'); return; }
      if (ids.length > MAX_IDS) { showError('A side takes at most ' + MAX_IDS + ' profiles; ' + ids.length + ' are checked.'); return; }
      const sets = loadSets();
      sets[side] = {ids, label};
      saveSets(sets);
      refreshSets();
    }

    function needSelection() {
      const ids = selectedIds();
      if (!ids.length) { showError('Check some profiles first.'); return null; }
      if (ids.length > MAX_IDS) { showError('At most ' + MAX_IDS + ' profiles at once; ' + ids.length + ' are checked.'); return null; }
      clearError();
      return ids;
    }

    openSel.addEventListener('click', () => {
      const ids = needSelection();
      if (ids) navigate(hashFor('profile', ids.map((id) => ['id', id])));
    });
    dlSel.addEventListener('click', () => {
      const ids = needSelection();
      if (!ids) return;
      const a = h('a', {href: API + 'download?' + apiQuery(ids.map((id) => ['id', id])), download: 'default.pgo', class: 'hidden-link'});
      document.body.append(a);
      a.click();
      a.remove();
    });
    setA.addEventListener('click', () => remember('a'));
    setB.addEventListener('click', () => remember('b'));
    compareGo.addEventListener('click', () => {
      const sets = loadSets();
      if (!(sets.a && sets.a.ids.length && sets.b && sets.b.ids.length)) { showError('Set A and B first.'); return; }
      navigate(hashFor('compare', [...sets.a.ids.map((id) => ['a', id]), ...sets.b.ids.map((id) => ['b', id])]));
    });
    selectAll.addEventListener('change', () => {
      for (const cb of tbody.querySelectorAll('input.select-profile')) {
        cb.checked = selectAll.checked;
        const id = cb.closest('tr').dataset.profileId;
        if (cb.checked) selection.ids.add(id); else selection.ids.delete(id);
      }
      refreshSelection();
    });
    prev.addEventListener('click', () => go(Math.max(0, page - 1), q, win));
    next.addEventListener('click', () => go(page + 1, q, win));
    refreshSelection();
    refreshSets();

    const pairs = [['q', q], ['window', win], ['page', String(page)], ['per_page', String(PER_PAGE)]];
    if (top) pairs.push(['top', top]);
    const data = await api(API + 'search?' + apiQuery(pairs), {signal: ctx.signal});
    ctx.check();

    const profiles = Array.isArray(data.profiles) ? data.profiles : [];
    const totalN = Number(data.total) || 0;
    const perPage = Number(data.per_page) || PER_PAGE;
    const curPage = Number.isFinite(Number(data.page)) ? Number(data.page) : page;
    pickedIds = Array.isArray(data.picked) ? data.picked : [];
    const picked = new Set(pickedIds);
    total.textContent = String(totalN) + ' profiles';
    pickedInfo.textContent = 'in the ' + windowLabel(data.window || win) + (q ? '' : ', no filter') +
      ' · fetch picks ' + plural(pickedIds.length, 'profile', 'profiles') +
      (data.top ? ' (the top ' + data.top + ' by CPU cores)' : '');
    if (!pickedIds.length) {
      dlTop.setAttribute('aria-disabled', 'true');
      dlTop.addEventListener('click', (e) => { e.preventDefault(); showError('Nothing to download: no profile matches.'); });
      openTop.setAttribute('aria-disabled', 'true');
      openTop.addEventListener('click', (e) => { e.preventDefault(); showError('Nothing to open: no profile matches.'); });
    }

    pageIds = profiles.map((pr) => String(pr.profile_id));
    const rows = profiles.map((pr) => {
      const id = String(pr.profile_id);
      const isPicked = typeof pr.picked === 'boolean' ? pr.picked : picked.has(id);
      const cb = h('input', {type: 'checkbox', class: 'select-profile', 'aria-label': 'Select profile ' + id});
      cb.checked = selection.ids.has(id);
      cb.addEventListener('change', () => {
        if (cb.checked) selection.ids.add(id); else selection.ids.delete(id);
        refreshSelection();
      });
      const tags = h('div', {class: 'tags'}, (Array.isArray(pr.tags) ? pr.tags : []).map((t) => {
        const tag = h('span', {class: 'tag', text: String(t), title: 'Add ' + t + ' to the query'});
        tag.addEventListener('click', () => {
          const term = tagTerm(String(t));
          const cur = input.value.trim();
          if (!cur.split(/\s+/).includes(term)) { fresh(); go(0, (cur ? cur + ' ' : '') + term, winSel.value); }
        });
        return tag;
      }));
      const open = h('a', {href: hashFor('profile', [['id', id]]), text: pr.service || '(none)', title: 'Open profile ' + id});
      return h('tr', {class: 'profile-row' + (isPicked ? ' picked' : ''), data: {profileId: id, picked: isPicked ? 'true' : 'false'}},
        td(cb, 'check'),
        td([open, h('div', {class: 'sub mono', text: id})], 'name'),
        td(tags, 'tags-cell'),
        td(fixed(Number(pr.cpu_cores), 2), 'num'),
        td(fmtDuration(Number(pr.duration_s)), 'num'),
        td(fmtAge(Number(pr.age_s)), 'num', fmtTime(pr.start)),
        td(isPicked ? h('span', {class: 'badge picked-mark', text: '✓ picked', title: 'pgotool fetch would merge this profile'}) : '', 'pick'));
    });
    if (!rows.length) {
      rows.push(h('tr', {class: 'empty'}, h('td', {colspan: 7, text: 'No profile matches in the ' + windowLabel(win) + '.'})));
    }
    tbody.replaceChildren(...rows);

    const pages = Math.max(1, Math.ceil(totalN / perPage));
    const first = totalN ? curPage * perPage + 1 : 0;
    const last = Math.min(totalN, curPage * perPage + profiles.length);
    pageInfo.textContent = 'Page ' + fmtInt(curPage + 1) + ' of ' + fmtInt(pages) + (totalN ? ' · ' + fmtInt(first) + '–' + fmtInt(last) : '');
    prev.disabled = curPage <= 0;
    next.disabled = (curPage + 1) * perPage >= totalN;
    refreshSelection();
  }

  // ------------------------------------------------------------------ profile

  function readSource(params, idKey, qKey) {
    const ids = params.getAll(idKey).filter(Boolean);
    const q = params.get(qKey);
    return {ids, q: q === null ? null : q, win: validWindow(params.get('window')), top: params.get('top') || null};
  }

  async function viewProfile(ctx, app) {
    const src = readSource(ctx.params, 'id', 'q');
    if (!src.ids.length && src.q === null) {
      app.replaceChildren(h('div', {class: 'card'}, h('h1', {text: 'Profile'}),
        h('p', {text: 'No profile chosen. '}, h('a', {href: '#/search', text: 'Search for profiles'}), '.')));
      return;
    }
    if (src.ids.length > MAX_IDS) throw new Error('At most ' + MAX_IDS + ' profiles at once.');
    const pairs = sourcePairs(src.ids, src.q, src.win, src.top);
    const what = src.ids.length
      ? (src.ids.length === 1 ? 'Profile ' + src.ids[0] : 'Merge of ' + src.ids.length + ' profiles')
      : 'What fetch merges for ' + (src.q || 'everything') + ' (' + windowLabel(src.win) + ')';

    const sampleType = h('span', {id: 'profile-sample-type', class: 'mono', text: '…'});
    const duration = h('span', {id: 'profile-duration', text: '…'});
    const count = h('span', {id: 'profile-count', text: '…'});
    const download = h('a', {id: 'profile-download', class: 'btn', href: API + 'download?' + apiQuery(pairs), download: 'default.pgo',
      text: 'Download default.pgo'});
    const head = h('div', {class: 'page-head'},
      h('div', null, h('h1', {class: 'wrap', text: what}),
        h('dl', {class: 'facts'},
          h('dt', {text: 'Sample type'}), h('dd', null, sampleType),
          h('dt', {text: 'Duration'}), h('dd', null, duration),
          h('dt', {text: 'Profiles'}), h('dd', null, count))),
      h('div', {class: 'toolbar'}, download));

    const flameSearch = h('input', {id: 'flame-search', type: 'search', placeholder: 'Highlight frames…', autocomplete: 'off',
      spellcheck: 'false', 'aria-label': 'Highlight frames whose name contains'});
    const flameMatch = h('span', {id: 'flame-match', class: 'match', 'aria-live': 'polite'});
    const flameReset = h('button', {id: 'flame-reset', type: 'button', class: 'btn', text: 'Reset zoom'});
    const flameZoom = h('span', {id: 'flame-zoom', class: 'muted zoom-label'});
    const flameHost = h('div', {id: 'flame', class: 'flame'}, h('p', {class: 'muted loading', text: 'Loading the profile…'}));
    const flameNote = h('p', {class: 'muted small', id: 'flame-note'});
    const flameSection = h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {text: 'Flame graph'}),
        h('div', {class: 'toolbar'}, flameZoom, flameSearch, flameMatch, flameReset)),
      flameHost, flameNote);
    const insights = h('div', {id: 'profile-insights'});
    app.replaceChildren(head, flameSection, insights);

    const data = await api(API + 'profile?' + apiQuery(pairs), {signal: ctx.signal});
    const t0 = performance.now();
    ctx.check();

    const st = data.sample_type || {};
    sampleType.textContent = (st.type || '?') + '/' + (st.unit || '?');
    duration.textContent = fmtDuration(Number(data.duration_s));
    const ids = Array.isArray(data.profiles) ? data.profiles : [];
    count.textContent = fmtInt(ids.length);
    count.title = ids.join('\n');

    const flame = data.flame || {names: [], nodes: []};
    flameHost.replaceChildren();
    const fg = createFlame(flameHost, flame, {search: flameSearch, match: flameMatch, reset: flameReset, zoom: flameZoom}, t0);
    ctx.onLeave(() => fg.destroy());
    const notes = [];
    if (Number(flame.pruned) > 0) notes.push(plural(Number(flame.pruned), 'frame', 'frames') + ' below 1/20000 of the total folded into their callers.');
    notes.push('Click a frame to zoom into it; Escape or “Reset zoom” zooms out.');
    flameNote.textContent = notes.join(' ');

    renderInspect(insights, data.inspect || {});
  }

  function renderInspect(host, ins) {
    const sum = ins.summary || {};
    const unit = (sum.sample_type && sum.sample_type.unit) || '';
    const parts = [];

    const facts = [
      ['Samples', fmtInt(sum.samples)],
      ['Total weight', fmtValue(Number(sum.total_weight), unit) +
        (sum.sample_type && sum.sample_type.type && !/^samples?$/.test(sum.sample_type.type) ? ' of ' + sum.sample_type.type : '')],
      ['Call edges', fmtInt(sum.edges)],
      ['Hot call sites', fmtInt(sum.hot_call_sites) + ' of ' + fmtInt(sum.call_sites)],
      ['Hot callees', fmtInt(sum.hot_callees)],
      ['Hot threshold', Number.isFinite(Number(ins.threshold)) ? Number(ins.threshold) + '% of the weight' : '—'],
    ];
    parts.push(h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {text: 'What the compiler sees'})),
      h('dl', {class: 'facts facts-grid'}, facts.map(([k, v]) => [h('dt', {text: k}), h('dd', {text: v})]))));

    const warnings = Array.isArray(ins.warnings) ? ins.warnings : [];
    if (warnings.length || ins.build_fails) {
      parts.push(h('section', {class: 'panel warnings', id: 'profile-warnings'},
        h('h2', {text: ins.build_fails ? 'Warnings: the build would fail with this profile' : 'Warnings'}),
        h('ul', null, warnings.map((w) => h('li', {class: w.build_fails ? 'warn-fatal' : null},
          h('strong', {text: w.message || w.code || ''}),
          w.advice ? h('div', {class: 'muted', text: w.advice}) : null)))));
    }

    const sites = Array.isArray(ins.hot_call_sites) ? ins.hot_call_sites : [];
    // The server sends the first rows of each list; the summary counts them all.
    const totalSites = Math.max(sites.length, Number(sum.hot_edges) || 0); // a row per hot edge
    const shown = sites.slice(0, HOT_SITES_SHOWN);
    const tbody = h('tbody', null, shown.map((s) => {
      const off = Number(s.offset);
      return h('tr', {class: 'hot-site', data: {caller: s.caller, callee: s.callee, offset: s.offset, weight: s.weight}},
        td(fmtInt(s.rank), 'num'),
        td(s.caller, 'fn'),
        td(s.callee, 'fn'),
        td('+' + off, 'num mono', Number.isFinite(Number(s.caller_start_line)) ? 'line ' + (Number(s.caller_start_line) + off) + ' (the function starts at line ' + s.caller_start_line + ')' : null),
        td(fmtValue(Number(s.weight), unit), 'num'),
        td(fmtPct(Number(s.share)), 'num'),
        td(fmtPct(Number(s.cumulative_share)), 'num'));
    }));
    if (!shown.length) tbody.append(h('tr', {class: 'empty'}, h('td', {colspan: 7, text: 'No hot call sites.'})));
    parts.push(h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {text: 'Hot call sites'}),
        h('span', {class: 'muted', text: 'the call sites the compiler treats as hot, heaviest first'})),
      tableWrap(h('table', {id: 'hot-sites', class: 'data'},
        thead([['#', 'num'], 'Caller', 'Callee', ['Line', 'num', 'line offset from the start of the caller'],
          ['Weight', 'num'], ['Share', 'num'], ['Cumulative', 'num']]),
        tbody), 'tall'),
      totalSites > shown.length
        ? h('p', {id: 'hot-sites-more', class: 'muted small',
          text: 'The first ' + shown.length + ' of ' + fmtInt(totalSites) + ' hot call sites; ' + fmtInt(totalSites - shown.length) + ' more not shown (`pgotool inspect` lists them all).'})
        : null));

    const callees = Array.isArray(ins.hot_callees) ? ins.hot_callees : [];
    if (callees.length) {
      parts.push(h('details', {class: 'panel'},
        h('summary', null, h('h2', {text: 'Hot callees (' + fmtInt(Math.max(callees.length, Number(sum.hot_callees) || 0)) + ')'})),
        tableWrap(h('table', {id: 'hot-callees', class: 'data'},
          thead(['Callee', ['Weight', 'num'], ['Share', 'num'], ['Hot edges', 'num']]),
          h('tbody', null, callees.slice(0, 200).map((c) => h('tr', null,
            td(c.name, 'fn'), td(fmtValue(Number(c.weight), unit), 'num'), td(fmtPct(Number(c.share)), 'num'),
            td(fmtInt(c.hot_edges), 'num'))))))));
    }

    const multi = Array.isArray(ins.multi_callee_sites) ? ins.multi_callee_sites : [];
    if (multi.length) {
      parts.push(h('details', {class: 'panel'},
        h('summary', null, h('h2', {text: 'Call sites with several callees (' + fmtInt(Math.max(multi.length, Number(sum.multi_callee_sites) || 0)) + ')'})),
        tableWrap(h('table', {id: 'multi-callee-sites', class: 'data'},
          thead(['Caller', ['Line', 'num'], ['Share', 'num'], 'Callees (share of the site)']),
          h('tbody', null, multi.slice(0, 200).map((m) => h('tr', null,
            td([m.caller, m.hot ? h('span', {class: 'badge', text: 'hot'}) : null,
              m.devirtualizes_nothing ? h('span', {class: 'badge badge-muted', text: 'devirtualizes nothing', title: 'no callee is heavy enough to devirtualize'}) : null], 'fn'),
            td('+' + m.offset, 'num mono'),
            td(fmtPct(Number(m.share)), 'num'),
            td(h('ul', {class: 'plain'}, (Array.isArray(m.callees) ? m.callees : []).map((c) =>
              h('li', null, h('span', {class: 'fn', text: c.name}), ' ', h('span', {class: 'muted', text: fmtPct(Number(c.site_share))}))))))))))));
    }
    host.replaceChildren(...parts);
  }

  // ------------------------------------------------------------- flame graph

  const ROW = 18;
  const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const PALETTE = [
    '#8fb8de', '#9fd3c7', '#f4c095', '#e8a5a5', '#b5a8d6', '#a8d5a2', '#f2d59b',
    '#9ec1cf', '#d6b38f', '#c6c9e8', '#b8dbc9', '#e6b8cc', '#a9c4a0', '#d9c7a7',
  ];
  const RUNTIME_COLOR = '#c9ced6';
  const ROOT_COLOR = '#b7bfca';
  const MATCH_COLOR = '#c026d3';
  const TEXT_COLOR = '#1d2430';
  const MATCH_TEXT_COLOR = '#ffffff';
  const C_RUNTIME = PALETTE.length;
  const C_ROOT = PALETTE.length + 1;
  const C_MATCH = PALETTE.length + 2;
  const COLORS = [...PALETTE, RUNTIME_COLOR, ROOT_COLOR, MATCH_COLOR];

  // The package of a Go symbol: "example.com/a/b.(*T).M" -> "example.com/a/b".
  // The package path ends at the last '/' before any '(', '[', '<' or space.
  function pathEnd(name) {
    const m = name.search(/[([< ]/);
    return (m < 0 ? name : name.slice(0, m)).lastIndexOf('/');
  }

  function packageOf(name) {
    const slash = pathEnd(name);
    const dot = name.indexOf('.', slash + 1);
    return dot < 0 ? name : name.slice(0, dot);
  }

  // Without the package path: "example.com/a/b.(*T).M" -> "b.(*T).M".
  function shortName(name) {
    const slash = pathEnd(name);
    return slash >= 0 ? name.slice(slash + 1) : name;
  }

  function hashString(s) {
    let x = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      x ^= s.charCodeAt(i);
      x = Math.imul(x, 0x01000193);
    }
    return x >>> 0;
  }

  function createFlame(host, flame, ui, t0) {
    const names = Array.isArray(flame.names) ? flame.names.map(String) : [];
    const raw = Array.isArray(flame.nodes) ? flame.nodes : [];
    const n = raw.length;
    const unit = flame.unit || '';

    const canvas = h('canvas', {id: 'flame-canvas', role: 'img', 'aria-label': 'Flame graph: root at the top, callees below their callers'});
    const tooltip = h('div', {id: 'flame-tooltip', class: 'tooltip', role: 'tooltip'});
    tooltip.hidden = true;
    host.replaceChildren(canvas, tooltip);

    // Layout, once: x offset (in weight units), depth and subtree end of every node.
    const NAME = new Int32Array(n);
    const PARENT = new Int32Array(n);
    const TOTAL = new Float64Array(n);
    const SELF = new Float64Array(n);
    const X = new Float64Array(n);
    const DEPTH = new Int32Array(n);
    const END = new Int32Array(n);
    const NEXT = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const nd = raw[i];
      let p = nd[1] | 0;
      if (i === 0) p = -1;
      else if (p < 0 || p >= i) p = 0;        // not preorder: hang it under the root
      NAME[i] = nd[0] | 0;
      PARENT[i] = p;
      TOTAL[i] = +nd[2] || 0;
      SELF[i] = +nd[3] || 0;
      if (p < 0) {
        X[i] = 0;
        DEPTH[i] = 0;
      } else {
        X[i] = NEXT[p];
        NEXT[p] += TOTAL[i];
        DEPTH[i] = DEPTH[p] + 1;
      }
      NEXT[i] = X[i];
      END[i] = i + 1;
    }
    for (let i = n - 1; i > 0; i--) {
      const p = PARENT[i];
      if (END[i] > END[p]) END[p] = END[i];
    }
    const grand = Number(flame.total) > 0 ? Number(flame.total) : (n ? TOTAL[0] : 0);

    // A color per name, by package.
    const pkgColor = new Map();
    const NAME_COLOR = new Uint8Array(names.length);
    for (let k = 0; k < names.length; k++) {
      const pkg = packageOf(names[k]);
      let c = pkgColor.get(pkg);
      if (c === undefined) {
        if (pkg === 'runtime' || pkg.startsWith('runtime/') || pkg.startsWith('internal/')) c = C_RUNTIME;
        else c = hashString(pkg) % PALETTE.length;
        pkgColor.set(pkg, c);
      }
      NAME_COLOR[k] = c;
    }

    // Search state.
    let lowerNames = null;
    let NAME_MATCH = null;     // Uint8Array per name, or null without a search
    let searchText = '';

    // What was drawn last: node, x and width (css px) per drawn frame.
    const VIS = new Int32Array(Math.max(1, n));
    const VX = new Float32Array(Math.max(1, n));
    const VW = new Float32Array(Math.max(1, n));
    const BUCKET = new Uint8Array(Math.max(1, n));
    const ORDER = new Int32Array(Math.max(1, n));
    let drawn = 0;
    const fullW = new Float32Array(names.length).fill(-1);
    const shortCache = new Map();

    let zoom = 0;
    let frame = 0;
    let first = true;
    let lastW = 0;
    let lastH = 0;
    let lastDpr = 0;
    const ctx2d = canvas.getContext('2d', {alpha: false});

    function draw() {
      const dpr = window.devicePixelRatio || 1;
      const cssW = Math.max(120, Math.floor(host.clientWidth));
      const maxRows = Math.max(1, Math.floor(30000 / dpr / ROW));
      let cnt = 0;
      let nAnc = 0;
      let maxD = 0;
      if (n) {
        const z = zoom;
        const zx = X[z];
        const zt = TOTAL[z] > 0 ? TOTAL[z] : 1;
        const scale = cssW / zt;
        for (let a = PARENT[z]; a >= 0; a = PARENT[a]) {   // the zoomed frame's callers, full width
          VIS[cnt] = a; VX[cnt] = 0; VW[cnt] = cssW; cnt++;
        }
        nAnc = cnt;
        maxD = DEPTH[z];
        const e = END[z];
        let i = z;
        while (i < e) {
          const w = TOTAL[i] * scale;
          if (w < 0.5) { i = END[i]; continue; }          // too narrow: skip the whole subtree
          const d = DEPTH[i];
          if (d >= maxRows) { i = END[i]; continue; }
          VIS[cnt] = i; VX[cnt] = (X[i] - zx) * scale; VW[cnt] = w; cnt++;
          if (d > maxD) maxD = d;
          i++;
        }
      }
      drawn = cnt;
      const rows = Math.min(maxD + 1, maxRows);
      const cssH = Math.max(rows * ROW, ROW);
      if (cssW !== lastW || cssH !== lastH || dpr !== lastDpr) {
        canvas.width = Math.round(cssW * dpr);
        canvas.height = Math.round(cssH * dpr);
        canvas.style.width = cssW + 'px';
        canvas.style.height = cssH + 'px';
        lastW = cssW; lastH = cssH; lastDpr = dpr;
      }
      const g = ctx2d;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.globalAlpha = 1;
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, cssW, cssH);

      // Rectangles, batched by color: a counting sort of the drawn frames.
      const nc = COLORS.length;
      const counts = new Int32Array(nc + 1);
      const match = NAME_MATCH;
      for (let k = 0; k < cnt; k++) {
        const i = VIS[k];
        let c;
        if (match && match[NAME[i]]) c = C_MATCH;
        else if (i === 0) c = C_ROOT;
        else c = NAME_COLOR[NAME[i]];
        BUCKET[k] = c;
        counts[c + 1]++;
      }
      for (let c = 0; c < nc; c++) counts[c + 1] += counts[c];
      const starts = counts.slice(0, nc);
      const fill = counts.slice(0, nc);
      for (let k = 0; k < cnt; k++) ORDER[fill[BUCKET[k]]++] = k;
      for (let c = 0; c < nc; c++) {
        const s = starts[c];
        const e = c + 1 < nc ? starts[c + 1] : cnt;
        if (s === e) continue;
        g.globalAlpha = match && c !== C_MATCH ? 0.45 : 1;
        if (nAnc) {                                   // the callers of a zoomed frame: paler
          g.globalAlpha *= 0.5;
          g.fillStyle = COLORS[c];
          g.beginPath();
          for (let j = s; j < e; j++) {
            const k = ORDER[j];
            if (k < nAnc) g.rect(0, DEPTH[VIS[k]] * ROW, VW[k], ROW - 1);
          }
          g.fill();
          g.globalAlpha = match && c !== C_MATCH ? 0.45 : 1;
        }
        g.fillStyle = COLORS[c];
        g.beginPath();
        for (let j = s; j < e; j++) {
          const k = ORDER[j];
          if (k < nAnc) continue;
          const w = VW[k];
          g.rect(VX[k], DEPTH[VIS[k]] * ROW, w >= 3 ? w - 1 : w, ROW - 1);
        }
        g.fill();
      }
      g.globalAlpha = 1;

      // Labels where they fit.
      g.font = FONT;
      g.textBaseline = 'middle';
      let textColor = '';
      for (let k = 0; k < cnt; k++) {
        const avail = VW[k] - 7;
        if (avail < 18) continue;
        const i = VIS[k];
        const ni = NAME[i];
        let s = names[ni] === undefined ? '?' : names[ni];
        let tw = fullW[ni];
        if (tw < 0) tw = fullW[ni] = g.measureText(s).width;
        if (tw > avail) {
          let sc = shortCache.get(ni);
          if (!sc) {
            const sn = shortName(s);
            sc = {s: sn, w: g.measureText(sn).width};
            shortCache.set(ni, sc);
          }
          s = sc.s;
          tw = sc.w;
          if (tw > avail) {
            const chars = Math.floor(avail / (tw / s.length)) - 1;
            if (chars < 2) continue;
            s = s.slice(0, chars) + '…';
          }
        }
        const want = match && match[ni] ? MATCH_TEXT_COLOR : TEXT_COLOR;
        if (want !== textColor) { g.fillStyle = want; textColor = want; }
        g.fillText(s, VX[k] + 3, DEPTH[i] * ROW + (ROW - 1) / 2 + 0.5, avail);
      }
      canvas.dataset.nodes = String(cnt);
      canvas.dataset.zoom = String(zoom);
      if (first) {
        first = false;
        canvas.dataset.renderMs = (performance.now() - t0).toFixed(1);
      }
    }

    function schedule() {
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
    }

    function hit(ev) {
      const r = canvas.getBoundingClientRect();
      const mx = ev.clientX - r.left;
      const my = ev.clientY - r.top;
      const d = Math.floor(my / ROW);
      for (let k = 0; k < drawn; k++) {
        const i = VIS[k];
        if (DEPTH[i] === d && mx >= VX[k] && mx < VX[k] + VW[k]) return {i, mx, my};
      }
      return null;
    }

    function pctOf(v) {
      return grand > 0 ? fmtPct((v / grand) * 100) : '—';
    }

    function showTooltip(ev) {
      const got = hit(ev);
      if (!got) { tooltip.hidden = true; canvas.classList.remove('pointing'); return; }
      const {i} = got;
      canvas.classList.add('pointing');
      tooltip.replaceChildren();
      append(tooltip, [
        h('div', {class: 'tt-name', text: names[NAME[i]] === undefined ? '?' : names[NAME[i]]}),
        h('div', {class: 'tt-row'}, h('span', {class: 'tt-k', text: 'Total'}),
          h('span', {text: fmtValue(TOTAL[i], unit) + ' · ' + pctOf(TOTAL[i])})),
        h('div', {class: 'tt-row'}, h('span', {class: 'tt-k', text: 'Self'}),
          h('span', {text: fmtValue(SELF[i], unit) + ' · ' + pctOf(SELF[i])})),
        zoom !== 0 && i !== zoom && TOTAL[zoom] > 0 && isInside(i, zoom)
          ? h('div', {class: 'tt-row muted'}, h('span', {class: 'tt-k', text: 'Of zoom'}), h('span', {text: fmtPct((TOTAL[i] / TOTAL[zoom]) * 100)}))
          : null]);
      tooltip.hidden = false;
      const hr = host.getBoundingClientRect();
      const cr = canvas.getBoundingClientRect();
      let left = cr.left - hr.left + got.mx + 14;
      let top = cr.top - hr.top + got.my + 16;
      const tw = tooltip.offsetWidth;
      const th = tooltip.offsetHeight;
      if (left + tw > hr.width - 4) left = Math.max(4, cr.left - hr.left + got.mx - tw - 14);
      const viewportBottom = window.innerHeight - hr.top;
      if (top + th > viewportBottom - 4) top = Math.max(0, cr.top - hr.top + got.my - th - 12);
      tooltip.style.left = left + 'px';
      tooltip.style.top = top + 'px';
    }

    function isInside(i, anc) {
      return i >= anc && i < END[anc];
    }

    function setZoom(i) {
      zoom = i;
      ui.zoom.textContent = i === 0 ? '' : 'Zoomed into ' + (names[NAME[i]] || '?');
      ui.zoom.title = ui.zoom.textContent;
      tooltip.hidden = true;
      schedule();
    }

    function applySearch() {
      const text = ui.search.value.trim().toLowerCase();
      if (text === searchText) return;
      searchText = text;
      if (!text) {
        NAME_MATCH = null;
        ui.match.textContent = '';
        ui.match.dataset.share = '';
        schedule();
        return;
      }
      if (!lowerNames) lowerNames = names.map((s) => s.toLowerCase());
      const m = new Uint8Array(names.length);
      for (let k = 0; k < names.length; k++) if (lowerNames[k].includes(text)) m[k] = 1;
      // The matched share: frames that match, not counting those under a matching frame.
      const covered = new Uint8Array(n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const p = PARENT[i];
        if (p >= 0) covered[i] = covered[p] | m[NAME[p]];
        if (m[NAME[i]] && !covered[i]) sum += TOTAL[i];
      }
      NAME_MATCH = m;
      const share = grand > 0 ? (sum / grand) * 100 : 0;
      ui.match.textContent = fmtPct(share) + ' matched';
      ui.match.dataset.share = String(share);
      schedule();
    }

    let searchTimer = 0;
    const onSearch = () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(applySearch, 80);
    };
    const onSearchKey = (ev) => {
      if (ev.key === 'Enter') { clearTimeout(searchTimer); applySearch(); }
      if (ev.key === 'Escape') { ui.search.value = ''; clearTimeout(searchTimer); applySearch(); }
    };
    const onMove = (ev) => showTooltip(ev);
    const onLeave = () => { tooltip.hidden = true; };
    const onClick = (ev) => {
      const got = hit(ev);
      if (got && got.i !== zoom) setZoom(got.i);
    };
    const onReset = () => setZoom(0);
    const onKey = (ev) => {
      if (ev.key === 'Escape' && zoom !== 0 && ev.target !== ui.search) setZoom(0);
    };
    const onResize = () => schedule();

    ui.search.addEventListener('input', onSearch);
    ui.search.addEventListener('keydown', onSearchKey);
    ui.reset.addEventListener('click', onReset);
    canvas.addEventListener('mousemove', onMove);
    canvas.addEventListener('mouseleave', onLeave);
    canvas.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey);
    window.addEventListener('resize', onResize);

    if (!n) {
      host.append(h('p', {class: 'muted', text: 'The profile has no samples.'}));
    }
    if (ui.search.value.trim()) applySearch();
    draw();                                          // the first draw, synchronously

    return {
      destroy() {
        clearTimeout(searchTimer);
        if (frame) cancelAnimationFrame(frame);
        document.removeEventListener('keydown', onKey);
        window.removeEventListener('resize', onResize);
      },
      zoomTo: setZoom,
    };
  }

  // ------------------------------------------------------------------ compare

  async function viewCompare(ctx, app) {
    const p = ctx.params;
    const a = readSource(p, 'a', 'aq');
    const b = readSource(p, 'b', 'bq');
    if ((!a.ids.length && a.q === null) || (!b.ids.length && b.q === null)) {
      app.replaceChildren(h('div', {class: 'card'}, h('h1', {text: 'Compare'}),
        h('p', null, 'Choose side A and side B on the ', h('a', {href: '#/search', text: 'search page'}),
          ': check profiles, press “Set A”, check others, press “Set B”, then “Compare”.')));
      return;
    }
    const pairs = [
      ...(a.ids.length ? a.ids.map((id) => ['a', id]) : [['aq', a.q || '']]),
      ...(b.ids.length ? b.ids.map((id) => ['b', id]) : [['bq', b.q || '']]),
    ];
    if (!a.ids.length || !b.ids.length) {
      pairs.push(['window', a.win]);
      if (a.top) pairs.push(['top', a.top]);
    }

    const overlap = h('div', {id: 'compare-overlap', class: 'big', text: '…'});
    const decisions = h('div', {id: 'compare-decisions', class: 'decisions', text: '…'});
    const aCount = h('span', {id: 'compare-a-count', text: '…'});
    const bCount = h('span', {id: 'compare-b-count', text: '…'});
    const body = h('div', {id: 'compare-body'});
    app.replaceChildren(
      h('div', {class: 'page-head'}, h('h1', {text: 'Compare A (old) → B (new)'})),
      h('div', {class: 'compare-top'},
        h('div', {class: 'card stat'}, h('div', {class: 'stat-label', text: 'Overlap of the hot call sites'}), overlap,
          h('div', {class: 'muted small', id: 'compare-drift'})),
        h('div', {class: 'card stat'}, h('div', {class: 'stat-label', text: 'Compiler decisions'}), decisions),
        h('div', {class: 'card stat sides'},
          h('div', {class: 'stat-label', text: 'Sides'}),
          h('div', null, h('strong', {text: 'A (old): '}), aCount),
          h('div', null, h('strong', {text: 'B (new): '}), bCount))),
      body);

    const data = await api(API + 'compare?' + apiQuery(pairs), {signal: ctx.signal});
    ctx.check();
    const d = data.diff || {};
    const aIds = Array.isArray(data.a) ? data.a : [];
    const bIds = Array.isArray(data.b) ? data.b : [];

    const ov = Number(d.overlap);
    overlap.dataset.overlap = String(d.overlap);
    overlap.textContent = fmtShare(ov);
    overlap.classList.add(ov >= 0.9 ? 'good' : ov >= 0.6 ? 'fair' : 'poor');
    $('#compare-drift').textContent = Number.isFinite(Number(d.drift)) ? 'drift ' + fmtShare(Number(d.drift)) + ' · threshold ' + d.threshold + '%' : '';
    const eq = d.decisions_equal === true;
    decisions.dataset.equal = String(eq);
    decisions.className = 'decisions ' + (eq ? 'same' : 'different');
    decisions.textContent = eq
      ? 'Same decisions: the compiler would inline and devirtualize the same call sites.'
      : 'Different decisions: the compiler would inline or devirtualize differently.';
    aCount.replaceChildren(h('a', {href: hashFor('profile', aIds.map((id) => ['id', id])), text: plural(aIds.length, 'profile', 'profiles')}));
    bCount.replaceChildren(h('a', {href: hashFor('profile', bIds.map((id) => ['id', id])), text: plural(bIds.length, 'profile', 'profiles')}));

    const parts = [];
    const o = d.old || {};
    const nw = d.new || {};
    parts.push(h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {text: 'The two sides'})),
      tableWrap(h('table', {id: 'compare-sides', class: 'data compact'},
        thead(['', ['A (old)', 'num'], ['B (new)', 'num']]),
        h('tbody', null,
          [['Call edges', 'edges'], ['Hot edges', 'hot_edges'], ['Hot call sites', 'hot_call_sites'], ['Total weight', 'total_weight']]
            .map(([label, k]) => h('tr', null, td(label), td(fmtInt(Number(o[k])), 'num'), td(fmtInt(Number(nw[k])), 'num'))))), 'fit')));

    const siteTable = (id, rows, caption, emptyText) => h('section', {class: 'panel half'},
      h('div', {class: 'panel-head'}, h('h2', {text: caption + ' (' + fmtInt(rows.length) + ')'})),
      tableWrap(h('table', {id, class: 'data'},
        thead(['Caller', ['Line', 'num'], ['Old share', 'num'], ['New share', 'num']]),
        h('tbody', null, rows.length ? rows.map((s) => h('tr', {class: 'site-row', data: {caller: s.caller, offset: s.offset}},
          td(s.caller, 'fn'), td('+' + s.offset, 'num mono'),
          td(fmtShare(Number(s.old_share)), 'num' + (s.old_hot ? ' hot' : '')),
          td(fmtShare(Number(s.new_share)), 'num' + (s.new_hot ? ' hot' : ''))))
          : h('tr', {class: 'empty'}, h('td', {colspan: 4, text: emptyText})))), 'mid'));
    const added = Array.isArray(d.hot_call_sites_added) ? d.hot_call_sites_added : [];
    const removed = Array.isArray(d.hot_call_sites_removed) ? d.hot_call_sites_removed : [];
    parts.push(h('div', {class: 'two'},
      siteTable('sites-added', added, 'Hot call sites added', 'None: B has no hot call site that A lacks.'),
      siteTable('sites-removed', removed, 'Hot call sites removed', 'None: every hot call site of A is hot in B.')));

    const calleeList = (id, list, caption) => h('section', {class: 'panel half'},
      h('div', {class: 'panel-head'}, h('h2', {text: caption + ' (' + fmtInt(list.length) + ')'})),
      list.length
        ? h('ul', {id, class: 'callees scroll'}, list.map((c) => h('li', {class: 'fn', text: String(c)})))
        : h('p', {id, class: 'muted', text: 'None.'}));
    const cAdded = Array.isArray(d.hot_callees_added) ? d.hot_callees_added : [];
    const cRemoved = Array.isArray(d.hot_callees_removed) ? d.hot_callees_removed : [];
    parts.push(h('div', {class: 'two'},
      calleeList('callees-added', cAdded, 'Hot callees added'),
      calleeList('callees-removed', cRemoved, 'Hot callees removed')));

    const devirt = Array.isArray(d.devirtualization_changes) ? d.devirtualization_changes : [];
    if (devirt.length) {
      parts.push(h('section', {class: 'panel'},
        h('div', {class: 'panel-head'}, h('h2', {text: 'Devirtualization changes (' + fmtInt(devirt.length) + ')'})),
        tableWrap(h('table', {id: 'devirt', class: 'data'},
          thead(['Caller', ['Line', 'num'], 'Old callee', 'New callee']),
          h('tbody', null, devirt.map((c) => h('tr', {class: 'devirt-row'},
            td(c.caller, 'fn'), td('+' + c.offset, 'num mono'),
            td(c.old_callee ? c.old_callee + ' (' + fmtInt(c.old_weight) + ')' : '—', 'fn'),
            td(c.new_callee ? c.new_callee + ' (' + fmtInt(c.new_weight) + ')' : '—', 'fn'))))))));
    }

    const shifts = Array.isArray(d.shifts) ? d.shifts : [];
    let maxAbs = 0;
    for (const s of shifts) maxAbs = Math.max(maxAbs, Math.abs(Number(s.new_share) - Number(s.old_share)) || 0);
    parts.push(h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {text: 'Biggest shifts'}),
        h('span', {class: 'muted', text: 'call edges whose share of the weight moved most'})),
      tableWrap(h('table', {id: 'shifts', class: 'data'},
        thead(['Caller', 'Callee', ['Line', 'num'], ['Old share', 'num'], ['New share', 'num'], ['Change', 'num'], ['', 'bar-col']]),
        h('tbody', null, shifts.length ? shifts.map((s) => {
          const os = Number(s.old_share);
          const ns = Number(s.new_share);
          const delta = ns - os;
          return h('tr', {class: 'shift-row', data: {caller: s.caller, callee: s.callee, offset: s.offset}},
            td(s.caller, 'fn'), td(s.callee, 'fn'), td('+' + s.offset, 'num mono'),
            td(fmtShare(os), 'num', fmtInt(Number(s.old_weight)) + ' old weight'),
            td(fmtShare(ns), 'num', fmtInt(Number(s.new_weight)) + ' new weight'),
            td((delta > 0 ? '+' : delta < 0 ? '−' : '±') + fmtPct(Math.abs(delta) * 100).replace('%', ' pp'), 'num ' + (delta > 0 ? 'up' : delta < 0 ? 'down' : '')),
            td(divergingBar(delta, maxAbs), 'bar-col'));
        }) : h('tr', {class: 'empty'}, h('td', {colspan: 7, text: 'No shifts.'})))), 'tall')));
    body.replaceChildren(...parts);
  }

  function divergingBar(delta, maxAbs) {
    const bar = h('div', {class: 'dbar', role: 'img', 'aria-label': (delta >= 0 ? 'up ' : 'down ') + fmtPct(Math.abs(delta) * 100)});
    const fillEl = h('div', {class: 'dbar-fill ' + (delta >= 0 ? 'up' : 'down')});
    const pct = maxAbs > 0 ? (Math.abs(delta) / maxAbs) * 50 : 0;
    fillEl.style.width = pct.toFixed(2) + '%';
    if (delta >= 0) fillEl.style.left = '50%';
    else fillEl.style.right = '50%';
    bar.append(h('div', {class: 'dbar-mid'}), fillEl);
    return bar;
  }

  // -------------------------------------------------------------------- start

  function start() {
    $('#signout').addEventListener('click', signout);
    // Going somewhere through a link: not ready until that view has loaded.
    document.addEventListener('click', (e) => {
      const a = e.target instanceof Element ? e.target.closest('a[href^="#/"]') : null;
      if (a && a.getAttribute('href') !== location.hash && !e.defaultPrevented) setLoading();
    });
    window.addEventListener('hashchange', route);
    if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/services');
    route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
