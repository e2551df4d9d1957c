// Browser tests of pgotool serve's web UI, run by tests/cli/t7000-ui.sh against
// a server it started and fed. Debian's Chromium, headless, through
// playwright-core (no browser is ever downloaded). Prints TAP lines
// ("ok - ...", "not ok - ...", "# ..."); exits 0 when every check passed,
// 1 when one failed, 2 on bad setup, 3 when its own time limit ran out.
// The contract it checks: the UI spec (URL space, session API, data
// endpoints, DOM ids and data- attributes).
import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const env = process.env;
function need(k) {
	if (!env[k]) {
		console.log(`Bail out! ${k} is not set (tests/cli/t7000-ui.sh sets it)`);
		process.exit(2);
	}
	return env[k];
}
const BASE = need('PGO_UI_URL').replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const API_KEY = need('PGO_UI_API_KEY');
const APP_KEY = need('PGO_UI_APP_KEY');
const PGOTOOL = need('PGOTOOL');
const SHOTS = need('PGO_UI_SHOTS');
const WORK = need('PGO_UI_WORK');
const ENV1 = need('PGO_UI_ENV');
const SVC_OFF = need('PGO_UI_SVC_OFF');
const SVC_ON = need('PGO_UI_SVC_ON');
const SVC_XSS = need('PGO_UI_SVC_XSS');
const N_OFF = Number(need('PGO_UI_N_OFF'));
const N_ON = Number(need('PGO_UI_N_ON'));
const N_XSS = Number(need('PGO_UI_N_XSS'));
const XSS_TAG = need('PGO_UI_XSS_TAG');
const CHROMIUM = env.PGO_CHROMIUM || '/usr/bin/chromium';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const XSS_Q = '<script>alert(1)</script>';
const WAIT_MS = 20000; // one view's load
const TOTAL_MS = 250000; // the whole run (t7000's watchdog: 300 s)

// ---- TAP ------------------------------------------------------------------------

let nPass = 0, nFail = 0;
function comment(s) {
	for (const l of String(s).split('\n')) console.log(`# ${l}`);
}
class Failure extends Error {}
// expect(cond, why): a failed condition ends the check with why.
function expect(cond, why) {
	if (!cond) throw new Failure(typeof why === 'function' ? why() : why);
}
// check(desc, fn): runs fn; passes unless it throws. The first line of a
// failure's reason goes on the TAP line, the rest as comments.
async function check(desc, fn) {
	try {
		await fn();
		nPass++;
		console.log(`ok - ${desc}`);
		return true;
	} catch (e) {
		nFail++;
		const why = e instanceof Failure ? e.message : (e && e.stack) || String(e);
		const [first, ...rest] = why.split('\n');
		console.log(`not ok - ${desc}: ${first}`);
		if (rest.length) comment(rest.slice(0, 30).join('\n'));
		return false;
	}
}
const show = v => {
	const s = JSON.stringify(v);
	return s && s.length > 600 ? s.slice(0, 600) + '...' : s;
};

setTimeout(() => {
	console.log(`not ok - ui.test.mjs: the browser tests ran longer than ${TOTAL_MS / 1000}s`);
	process.exit(3);
}, TOTAL_MS).unref();

// ---- HTTP from node (not the browser) -----------------------------------------------

const KEYS = { 'DD-API-KEY': API_KEY, 'DD-APPLICATION-KEY': APP_KEY };
// req(path, opts): fetch() without following redirects; the body as text.
async function req(p, opts = {}) {
	const res = await fetch(BASE + p, { redirect: 'manual', ...opts });
	const text = await res.text();
	return { status: res.status, headers: res.headers, text, cookies: res.headers.getSetCookie() };
}
function parse(r, what) {
	try {
		return JSON.parse(r.text);
	} catch {
		throw new Failure(`${what}: HTTP ${r.status}, not JSON: ${r.text.slice(0, 200)}`);
	}
}
// api(path): a data endpoint with the keys; 200 and JSON or a failure.
async function api(p) {
	const r = await req(p, { headers: KEYS });
	expect(r.status === 200, () => `GET ${p} with the keys: HTTP ${r.status} ${r.text.slice(0, 300)}`);
	return { json: parse(r, p), raw: r.text };
}
const qs = o => new URLSearchParams(o).toString();
const errorsBody = r => {
	try {
		const j = JSON.parse(r.text);
		return Array.isArray(j.errors) && j.errors.length > 0 && j.errors.every(e => typeof e === 'string' && e);
	} catch {
		return false;
	}
};
const sessionCookie = r => r.cookies.find(c => /^pgotool_session=/.test(c));

// ---- pgotool ------------------------------------------------------------------------

function run(args, extraEnv = {}) {
	return new Promise(resolve => {
		execFile(PGOTOOL, args, { env: { PATH: env.PATH, HOME: env.HOME, TMPDIR: env.TMPDIR, ...extraEnv }, maxBuffer: 256 << 20, timeout: 120000 },
			(err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
	});
}
async function pgotool(args, extraEnv) {
	const r = await run(args, extraEnv);
	expect(r.code === 0, () => `pgotool ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(0, 1500)}`);
	return r.stdout;
}
async function isPprof(file) {
	const b = await fs.readFile(file);
	return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
}

// Numbers equal, or both within 1e-12 relative (the same double printed two ways).
const near = (a, b) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));
// deepDiff(a, b): the first path where a and b differ, or null.
function deepDiff(a, b, at = '') {
	if (near(a, b)) return null;
	if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b))
		return `${at || '.'}: ${show(a)} != ${show(b)}`;
	if (Array.isArray(a)) {
		if (a.length !== b.length) return `${at}: ${a.length} items != ${b.length}`;
		for (let i = 0; i < a.length; i++) {
			const d = deepDiff(a[i], b[i], `${at}[${i}]`);
			if (d) return d;
		}
		return null;
	}
	const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
	if (ka.join() !== kb.join()) return `${at}: keys ${ka.join(',')} != ${kb.join(',')}`;
	for (const k of ka) {
		const d = deepDiff(a[k], b[k], `${at}.${k}`);
		if (d) return d;
	}
	return null;
}

// ---- the browser --------------------------------------------------------------------

// What the pages logged. phase.allow lists the failed requests a check
// provokes on purpose ({status, path}); Chromium logs each as a console
// error "Failed to load resource: the server responded with a status of N".
let phase = { name: 'start', allow: [] };
const consoleBad = [], consoleAllowed = [];
function onConsole(where, type, text, url) {
	if (type !== 'error' && type !== 'warning') return;
	const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
	const p = url ? new URL(url, BASE).pathname : '';
	if (m && phase.allow.some(a => a.status === Number(m[1]) && p === a.path)) {
		consoleAllowed.push(`[${phase.name}] ${type}: ${text} (${p})`);
		return;
	}
	consoleBad.push(`[${phase.name}] ${where} ${type}: ${text}${url ? ` (${url})` : ''}`);
}
function watch(page) {
	page.on('console', m => onConsole('console', m.type(), m.text(), m.location().url));
	page.on('pageerror', e => consoleBad.push(`[${phase.name}] pageerror: ${e.message}`));
	page.on('dialog', d => {
		consoleBad.push(`[${phase.name}] a dialog was opened: ${d.type()} ${JSON.stringify(d.message())}`);
		d.dismiss().catch(() => {});
	});
	page.on('crash', () => consoleBad.push(`[${phase.name}] the page crashed`));
}
async function newPage(ctx) {
	const page = await ctx.newPage();
	watch(page);
	// CSP violations also as events (they are console errors too); the
	// init script is injected by the browser, outside the page's CSP.
	await page.exposeFunction('__pgoCsp', v => consoleBad.push(`[${phase.name}] CSP violation: ${v}`));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', e =>
			window.__pgoCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
	});
	page.setDefaultTimeout(WAIT_MS);
	return page;
}

// The state of the app, for messages.
const state = page => page.evaluate(() => ({
	hash: location.hash,
	view: document.body && document.body.dataset.view,
	ready: document.body && document.body.dataset.ready,
	error: (document.querySelector('#error') || {}).textContent || '',
})).catch(e => ({ evaluate: e.message }));

// pending(page): marks the view as not ready before an action, so that the
// next waitView sees the load the action starts, not the one before it.
const pending = page => page.evaluate(() => { if (document.body) document.body.dataset.ready = 'test-pending'; });
// waitView(page, view): until body's data-view is view and data-ready "true".
async function waitView(page, view, ms = WAIT_MS) {
	try {
		await page.waitForFunction(v => document.body && document.body.dataset.ready === 'true' &&
			(v === null ? document.body.dataset.view !== 'signin' : document.body.dataset.view === v), view, { timeout: ms });
	} catch (e) {
		throw new Failure(`view ${view || '(any but signin)'} not ready within ${ms} ms: ${show(await state(page))}`);
	}
}
async function shot(page, name) {
	await fs.mkdir(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
// search(page, q): a search typed into the search page (Enter).
async function search(page, q) {
	if (!(await page.$('input#search-q'))) {
		await pending(page);
		await page.evaluate(() => { location.hash = '#/search'; });
		await waitView(page, 'search');
	}
	await pending(page);
	await page.fill('input#search-q', q);
	await page.press('input#search-q', 'Enter');
	await waitView(page, 'search');
}
const searchTotal = async page => {
	const t = ((await page.textContent('#search-total')) || '').trim();
	const m = /^(\d+) profiles?$/.exec(t);
	expect(m, `#search-total is ${JSON.stringify(t)}, want "N profiles"`);
	return Number(m[1]);
};
// The rows of the search results: id, picked, tags, text.
const searchRows = page => page.$$eval('table#search-results tr.profile-row', trs => trs.map(tr => ({
	id: tr.dataset.profileId,
	picked: tr.dataset.picked,
	tags: [...tr.querySelectorAll('span.tag')].map(s => s.textContent),
	text: tr.textContent,
	checkbox: !!tr.querySelector('input.select-profile'),
})));
// checkRows(page, n): ticks the first n rows' checkboxes, and only them; their ids.
async function checkRows(page, n) {
	const rows = await page.$$('table#search-results tr.profile-row');
	expect(rows.length >= n, `${rows.length} rows, want at least ${n}`);
	const ids = [];
	for (const [k, tr] of rows.entries()) {
		const box = await tr.$('input.select-profile');
		expect(box, `row ${k}: no input.select-profile`);
		await box.setChecked(k < n);
		if (k < n) ids.push(await tr.getAttribute('data-profile-id'));
	}
	return ids;
}
const hashParams = async page => {
	const h = await page.evaluate(() => location.hash);
	return new URLSearchParams(h.includes('?') ? h.slice(h.indexOf('?') + 1) : '');
};
// download(page, selector, file): clicks a link and saves the download.
async function download(page, selector, file) {
	const [dl] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click(selector)]);
	await dl.saveAs(file);
	const failure = await dl.failure();
	expect(!failure, `download by ${selector} failed: ${failure}`);
	return dl.suggestedFilename();
}
// The cookie's Path is /ui, so ask for the cookies of a URL under it.
const sessionOf = async ctx => (await ctx.cookies(`${BASE}/ui/`)).find(c => c.name === 'pgotool_session');

// ---- the checks -----------------------------------------------------------------------

await fs.mkdir(WORK, { recursive: true });
const dataPaths = [
	'/ui/api/services?window=72h',
	`/ui/api/search?${qs({ q: `service:${SVC_OFF}`, window: '72h' })}`,
	`/ui/api/profile?${qs({ q: `service:${SVC_OFF}`, window: '72h', top: '5' })}`,
	'/ui/api/profile?id=AAAA',
	`/ui/api/compare?${qs({ aq: `service:${SVC_OFF}`, bq: `service:${SVC_ON}`, window: '72h', top: '5' })}`,
	'/ui/api/compare?a=AAAA&b=BBBB',
	`/ui/api/download?${qs({ q: `service:${SVC_OFF}`, window: '72h', top: '5' })}`,
	'/ui/api/download?id=AAAA',
];

// ---------------- security and the API, from node ----------------

await check('GET / answers 302 to /ui/', async () => {
	const r = await req('/');
	expect(r.status === 302 && new URL(r.headers.get('location') || 'x:', BASE).href === `${BASE}/ui/`,
		`HTTP ${r.status}, Location ${r.headers.get('location')}`);
});

let shellOk = false;
await check('/ui/, app.js, app.css, favicon.svg: 200 without auth, with the spec\'s Content-Security-Policy, nosniff, no-referrer, X-Frame-Options DENY', async () => {
	const want = { '/ui/': /^text\/html/, '/ui/app.js': /^(text|application)\/javascript/, '/ui/app.css': /^text\/css/, '/ui/favicon.svg': /^image\/svg\+xml/ };
	const bad = [];
	for (const [p, type] of Object.entries(want)) {
		const r = await req(p);
		const h = k => r.headers.get(k);
		if (r.status !== 200) bad.push(`${p}: HTTP ${r.status}`);
		if (!type.test(h('content-type') || '')) bad.push(`${p}: Content-Type ${h('content-type')}`);
		if (h('content-security-policy') !== CSP) bad.push(`${p}: Content-Security-Policy ${JSON.stringify(h('content-security-policy'))}`);
		if (h('x-content-type-options') !== 'nosniff') bad.push(`${p}: X-Content-Type-Options ${h('x-content-type-options')}`);
		if (h('referrer-policy') !== 'no-referrer') bad.push(`${p}: Referrer-Policy ${h('referrer-policy')}`);
		if (h('x-frame-options') !== 'DENY') bad.push(`${p}: X-Frame-Options ${h('x-frame-options')}`);
		if (p === '/ui/' && r.status === 200) {
			shellOk = true;
			// The shell itself: no inline script or style, no handlers, no other origin.
			if (/<script(?![^>]*\ssrc=)[^>]*>/i.test(r.text)) bad.push('index.html has an inline <script>');
			if (/<style[\s>]/i.test(r.text) || /\sstyle\s*=/i.test(r.text)) bad.push('index.html has inline style');
			if (/\son[a-z]+\s*=/i.test(r.text)) bad.push('index.html has an on*= attribute');
			if (/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(r.text)) bad.push('index.html loads from another origin');
		}
	}
	expect(!bad.length, bad.join('; '));
});

await check('every /ui/api data endpoint and GET /ui/api/session answer 401 {"errors": [...]} without a session or keys, and with a forged cookie (with the CSP)', async () => {
	const bad = [];
	for (const p of [...dataPaths, '/ui/api/session']) {
		for (const [how, headers] of [['nothing', {}], ['a forged cookie', { Cookie: 'pgotool_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
			['the API key alone', { 'DD-API-KEY': API_KEY }]]) {
			if (p === '/ui/api/session' && how === 'the API key alone') continue;
			const r = await req(p, { headers });
			if (r.status !== 401 || !errorsBody(r)) bad.push(`${p} with ${how}: HTTP ${r.status} ${r.text.slice(0, 80)}`);
			else if (r.headers.get('content-security-policy') !== CSP) bad.push(`${p}: the 401 has no CSP`);
		}
	}
	expect(!bad.length, bad.join('\n'));
});

await check('the data endpoints answer 200 with DD-API-KEY and DD-APPLICATION-KEY, with the CSP', async () => {
	const bad = [];
	for (const p of dataPaths.filter(p => !/AAAA/.test(p))) {
		const r = await req(p, { headers: KEYS });
		if (r.status !== 200) bad.push(`${p}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
		else if (r.headers.get('content-security-policy') !== CSP) bad.push(`${p}: Content-Security-Policy ${JSON.stringify(r.headers.get('content-security-policy'))}`);
	}
	expect(!bad.length, bad.join('\n'));
});

await check('POST /ui/api/session with the right key but Origin: https://evil.example, or Sec-Fetch-Site: cross-site: 403, no cookie', async () => {
	const body = JSON.stringify({ app_key: APP_KEY });
	for (const h of [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }]) {
		const r = await req('/ui/api/session', { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...h } });
		expect(r.status === 403 && !sessionCookie(r), `with ${show(h)}: HTTP ${r.status}, Set-Cookie ${show(r.cookies)}`);
	}
});

await check('POST /ui/api/session with a wrong or missing app key: 403 {"errors": [...]}, no cookie', async () => {
	const bad = [];
	for (const body of [{ app_key: 'wrong' + APP_KEY }, { app_key: API_KEY }, {}, { app_key: '' }]) {
		const r = await req('/ui/api/session', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Origin: ORIGIN } });
		if (!(r.status === 403 && errorsBody(r) && !sessionCookie(r))) bad.push(`${show(body)}: HTTP ${r.status} ${r.text.slice(0, 120)}, Set-Cookie ${show(r.cookies)}`);
	}
	expect(!bad.length, bad.join('\n'));
});

await check('session API: sign-in sets pgotool_session (Path=/ui; HttpOnly; SameSite=Strict; Max-Age=43200) and answers {csrf, expires}; DELETE needs X-CSRF-Token and the same origin; a good DELETE ends it (204)', async () => {
	const r = await req('/ui/api/session', { method: 'POST', body: JSON.stringify({ app_key: APP_KEY }), headers: { 'Content-Type': 'application/json', Origin: ORIGIN } });
	expect(r.status === 200, `POST: HTTP ${r.status} ${r.text.slice(0, 200)}`);
	const j = parse(r, 'POST /ui/api/session');
	expect(typeof j.csrf === 'string' && j.csrf.length >= 16, `csrf ${show(j.csrf)}`);
	expect(typeof j.expires === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(j.expires), `expires ${show(j.expires)}`);
	const exp = Date.parse(j.expires) - Date.now();
	expect(exp > 11.9 * 3600e3 && exp < 12.1 * 3600e3, `expires ${j.expires} is not 12 h from now`);
	const sc = sessionCookie(r);
	expect(sc, `no pgotool_session cookie: ${show(r.cookies)}`);
	const attrs = sc.split(';').map(s => s.trim());
	const value = attrs[0].slice('pgotool_session='.length);
	expect(value.length >= 16, `the session id is short: ${value.length} characters`);
	const lower = attrs.slice(1).map(a => a.toLowerCase());
	for (const a of ['path=/ui', 'httponly', 'samesite=strict', 'max-age=43200'])
		expect(lower.includes(a), `Set-Cookie ${sc} lacks ${a}`);
	expect(!lower.includes('secure'), `Set-Cookie ${sc} has Secure over plain HTTP`);
	const cookie = { Cookie: `pgotool_session=${value}` };
	let g = await req('/ui/api/session', { headers: cookie });
	expect(g.status === 200 && typeof parse(g, 'GET session').csrf === 'string', `GET session with the cookie: HTTP ${g.status} ${g.text.slice(0, 100)}`);
	g = await req('/ui/api/services?window=72h', { headers: cookie });
	expect(g.status === 200, `services with the cookie: HTTP ${g.status}`);
	for (const [how, h] of [['without X-CSRF-Token', { Origin: ORIGIN }], ['with a wrong X-CSRF-Token', { Origin: ORIGIN, 'X-CSRF-Token': j.csrf.slice(1) + 'x' }],
		['with the token but Origin: https://evil.example', { Origin: 'https://evil.example', 'X-CSRF-Token': j.csrf }]]) {
		const d = await req('/ui/api/session', { method: 'DELETE', headers: { ...cookie, ...h } });
		expect(d.status === 403, `DELETE ${how}: HTTP ${d.status}, want 403`);
		g = await req('/ui/api/session', { headers: cookie });
		expect(g.status === 200, `after the refused DELETE ${how}, the session is gone (HTTP ${g.status})`);
	}
	const d = await req('/ui/api/session', { method: 'DELETE', headers: { ...cookie, Origin: ORIGIN, 'X-CSRF-Token': j.csrf } });
	expect(d.status === 204, `DELETE with the token: HTTP ${d.status}, want 204`);
	const cleared = sessionCookie(d);
	expect(cleared && (/max-age=0/i.test(cleared) || /expires=[^;]*19[67]\d/i.test(cleared)), `DELETE does not clear the cookie: Set-Cookie ${show(d.cookies)}`);
	g = await req('/ui/api/session', { headers: cookie });
	expect(g.status === 401, `GET session after DELETE: HTTP ${g.status}, want 401`);
	g = await req('/ui/api/services?window=72h', { headers: cookie });
	expect(g.status === 401, `services after DELETE: HTTP ${g.status}, want 401`);
});

let apiServices = null;
await check(`GET /ui/api/services: ${SVC_OFF} off, ${SVC_XSS} unknown, ${SVC_ON} on, with their counts; without PGO first, then by service`, async () => {
	const { json } = await api('/ui/api/services?window=72h');
	apiServices = json;
	expect(json.window === '72h' && Array.isArray(json.services), `window ${show(json.window)}, services ${show(json.services)}`);
	const ours = json.services.filter(s => [SVC_OFF, SVC_ON, SVC_XSS].includes(s.service));
	const got = ours.map(s => [s.service, s.env, s.state, s.profiles, s.pgo_true, s.pgo_false]);
	const want = [[SVC_OFF, ENV1, 'off', N_OFF, 0, N_OFF], [SVC_XSS, ENV1, 'unknown', N_XSS, 0, 0], [SVC_ON, ENV1, 'on', N_ON, N_ON, 0]];
	expect(show(got) === show(want), `got ${show(got)}, want ${show(want)}`);
	const on = json.services.map(s => s.state === 'on');
	expect(on.indexOf(true) === -1 || on.lastIndexOf(false) < on.indexOf(true), `a service without PGO after one with: ${show(json.services.map(s => [s.service, s.state]))}`);
	const ps = json.services.find(s => s.service === SVC_ON);
	expect(ps.pgo_share === 1 && ps.cpu_cores > 0 && ps.newest_age_s >= 0, `${SVC_ON}: ${show(ps)}`);
});

await check('JSON answers escape < > &: the tag with quotes and angle brackets, and a query with <script>, are never literal', async () => {
	const bad = [];
	const s = await api(`/ui/api/search?${qs({ q: `service:${SVC_XSS}`, window: '72h' })}`);
	const tags = s.json.profiles.flatMap(p => p.tags);
	if (!tags.includes(XSS_TAG)) bad.push(`search service:${SVC_XSS}: the tag ${XSS_TAG} is not among ${show(tags)}`);
	const x = await req(`/ui/api/search?${qs({ q: XSS_Q, window: '72h' })}`, { headers: KEYS });
	if (!(x.status === 200 || (x.status === 400 && errorsBody(x)))) bad.push(`search q=${XSS_Q}: HTTP ${x.status} ${x.text.slice(0, 200)}`);
	const e = await req(`/ui/api/search?${qs({ q: 'service:(', window: '72h' })}`, { headers: KEYS });
	if (!(e.status === 400 && errorsBody(e))) bad.push(`search q=service:( (a bad query): HTTP ${e.status} ${e.text.slice(0, 200)}, want 400 {"errors": [...]}`);
	const xssId = s.json.profiles.find(p => p.tags.includes(XSS_TAG))?.profile_id;
	const answers = [['search', s.raw], [`search q=${XSS_Q}`, x.text], ['services', (await api('/ui/api/services?window=72h')).raw]];
	if (xssId) answers.push(['profile', (await api(`/ui/api/profile?id=${encodeURIComponent(xssId)}`)).raw]);
	for (const [what, raw] of answers)
		for (const c of ['<', '>', '&'])
			if (raw.includes(c)) bad.push(`${what}: a literal ${c} at ...${raw.slice(Math.max(0, raw.indexOf(c) - 40), raw.indexOf(c) + 40)}...`);
	if (!s.raw.includes('\\u003cimg')) bad.push('search: the tag\'s <img is not written \\u003cimg');
	expect(!bad.length, bad.join('\n'));
});

// ---------------- the browser ----------------

const browser = await chromium.launch({
	executablePath: CHROMIUM, headless: true,
	args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-crash-reporter', '--disable-breakpad'],
});
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
const page = await newPage(ctx);
const notLoaded = () => expect(shellOk, 'the app shell /ui/ did not load (see above)');
let signedIn = false;

// Sign-in. The app is opened at a search, without a session: every API call
// answers 401 and the app goes to #/signin.
const backTo = `service:${SVC_OFF}`;
phase = { name: 'signed-out', allow: dataPaths.concat(['/ui/api/session', '/ui/api/search']).map(p => ({ status: 401, path: p.replace(/\?.*/, '') })) };
await check('signed out, /ui/#/search?... shows the sign-in form (view signin)', async () => {
	notLoaded();
	await page.goto(`${BASE}/ui/#/search?${qs({ q: backTo, window: '72h', page: '0' })}`);
	await waitView(page, 'signin');
	const type = await page.getAttribute('form#signin-form input#signin-key', 'type');
	expect(type === 'password', `input#signin-key type ${type}`);
	expect(await page.isVisible('button#signin-submit'), 'no visible button#signin-submit');
	await shot(page, 'signin');
});

phase = { name: 'wrong-key', allow: [{ status: 403, path: '/ui/api/session' }, ...phase.allow] };
await check('a wrong app key is refused: #signin-error shows why, no cookie, still on the sign-in form', async () => {
	notLoaded();
	await page.fill('input#signin-key', 'wrong-' + APP_KEY);
	await page.click('button#signin-submit');
	try {
		await page.waitForFunction(() => ((document.querySelector('#signin-error') || {}).textContent || '').trim().length > 0, null, { timeout: WAIT_MS });
	} catch {
		throw new Failure(`no text in #signin-error: ${show(await state(page))}`);
	}
	expect(await page.isVisible('#signin-error'), '#signin-error is not visible');
	comment(`refusal shown: ${JSON.stringify((await page.textContent('#signin-error')).trim())}`);
	expect(!(await sessionOf(ctx)), `a cookie was set: ${show(await sessionOf(ctx))}`);
	const s = await state(page);
	expect(s.view === 'signin', `view ${s.view}`);
});

let sessionValue = null;
// The refusals just provoked may still be on their way to the console.
phase = { name: 'sign-in', allow: phase.allow };
await check('the right app key signs in: pgotool_session set HttpOnly, SameSite=Strict, Path=/ui, invisible to document.cookie', async () => {
	notLoaded();
	await pending(page);
	await page.fill('input#signin-key', APP_KEY);
	await page.click('button#signin-submit');
	await waitView(page, null);
	const c = await sessionOf(ctx);
	expect(c, `no pgotool_session cookie: ${show(await ctx.cookies())}`);
	expect(c.httpOnly === true && c.sameSite === 'Strict' && c.path === '/ui' && c.secure === false,
		`cookie ${show({ ...c, value: '...' })}`);
	const exp = c.expires * 1000 - Date.now();
	expect(exp > 11.9 * 3600e3 && exp < 12.1 * 3600e3, `the cookie expires in ${exp / 3600e3} h, want 12`);
	expect(!(await page.evaluate(() => document.cookie)).includes('pgotool_session'), 'document.cookie shows the session');
	sessionValue = c.value;
	signedIn = true;
});
if (!signedIn) {
	// The rest of the checks need a session: take one through the API.
	comment('signing in through POST /ui/api/session for the checks that follow');
	await ctx.request.post(`${BASE}/ui/api/session`, { data: { app_key: APP_KEY }, headers: { Origin: ORIGIN } }).catch(() => {});
	sessionValue = (await sessionOf(ctx))?.value || null;
}

await check('after sign-in the app comes back to the route asked for (#/search with its query)', async () => {
	notLoaded();
	await waitView(page, 'search', 2000);
	const q = await page.inputValue('input#search-q');
	expect(q === backTo, `input#search-q is ${JSON.stringify(q)}, want ${JSON.stringify(backTo)}`);
});

// Services.
phase = { name: 'services', allow: [] };
await check(`services page: a tr.service-row per service in the API's order, ${SVC_OFF} data-state="off" listed before ${SVC_ON} data-state="on", ${SVC_XSS} "unknown"; the name links to its search`, async () => {
	notLoaded();
	await pending(page);
	if (await page.$('a[data-nav="services"]')) await page.click('a[data-nav="services"]');
	else throw new Failure('no a[data-nav="services"] in #nav');
	await waitView(page, 'services');
	const win = await page.$$eval('select#services-window option', os => os.map(o => o.value));
	expect(show(win) === show(['24h', '72h', '8d']), `select#services-window options ${show(win)}`);
	const rows = await page.$$eval('table#services tr.service-row', trs => trs.map(tr => ({
		service: tr.dataset.service, env: tr.dataset.env, version: tr.dataset.version, state: tr.dataset.state,
		links: [...tr.querySelectorAll('a[href]')].map(a => a.getAttribute('href')), cells: [...tr.cells].map(td => td.textContent.trim()),
	})));
	const dom = rows.map(r => [r.service, r.env, r.version, r.state]);
	const { json } = await api('/ui/api/services?window=72h');
	const want = json.services.map(s => [s.service, s.env, s.version, s.state]);
	expect(show(dom) === show(want), `rows ${show(dom)}\nthe API's ${show(want)}`);
	const i = n => rows.findIndex(r => r.service === n);
	expect(i(SVC_OFF) >= 0 && i(SVC_ON) >= 0 && i(SVC_OFF) < i(SVC_ON), `${SVC_OFF} at ${i(SVC_OFF)}, ${SVC_ON} at ${i(SVC_ON)}`);
	const st = n => rows[i(n)].state;
	expect(st(SVC_OFF) === 'off' && st(SVC_ON) === 'on' && st(SVC_XSS) === 'unknown', `states ${st(SVC_OFF)} ${st(SVC_ON)} ${st(SVC_XSS)}`);
	const r = rows[i(SVC_OFF)];
	const link = r.links.map(h => new URL(h, BASE + '/ui/')).find(u => u.hash.startsWith('#/search?'));
	expect(link, `${SVC_OFF}: no link to #/search?... in the row: ${show(r.links)}`);
	const q = new URLSearchParams(link.hash.slice(link.hash.indexOf('?') + 1)).get('q');
	expect(q === `service:${SVC_OFF} env:${ENV1}`, `${SVC_OFF} links to the search ${JSON.stringify(q)}, want "service:${SVC_OFF} env:${ENV1}"`);
	expect(r.cells.includes(String(N_OFF)), `the row has no cell of its ${N_OFF} profiles: ${show(r.cells)}`);
	await shot(page, 'services');
});

// Search.
phase = { name: 'search', allow: [] };
let offRows = [];
await check(`search: service:${SVC_OFF} narrows the list (#search-total and the rows drop to its ${N_OFF}); each row is that service's, with the API's tags as span.tag and its picked mark`, async () => {
	notLoaded();
	await search(page, '');
	const all = await searchTotal(page);
	const allRows = (await searchRows(page)).length;
	await search(page, `service:${SVC_OFF}`);
	const n = await searchTotal(page);
	const rows = await searchRows(page);
	offRows = rows;
	const total = N_OFF + N_ON + N_XSS;
	expect(all === total && allRows === total, `everything: #search-total ${all}, ${allRows} rows, want ${total}`);
	expect(n === N_OFF && rows.length === N_OFF, `service:${SVC_OFF}: #search-total ${n}, ${rows.length} rows, want ${N_OFF}`);
	const { json } = await api(`/ui/api/search?${qs({ q: `service:${SVC_OFF}`, window: '72h', page: '0', per_page: '50', top: '5' })}`);
	expect(show(rows.map(r => r.id)) === show(json.profiles.map(p => p.profile_id)), `row ids ${show(rows.map(r => r.id))}, the API's ${show(json.profiles.map(p => p.profile_id))}`);
	expect(json.profiles.every(p => p.service === SVC_OFF), 'the API lists another service');
	for (const [k, r] of rows.entries()) {
		const p = json.profiles[k];
		expect(r.checkbox, `row ${k}: no input.select-profile`);
		expect(show(r.tags) === show(p.tags), `row ${k}: span.tag ${show(r.tags)}, the API's tags ${show(p.tags)}`);
		expect(r.tags.includes(`service:${SVC_OFF}`) || (!p.tags.some(t => t.startsWith('service:')) && r.text.includes(SVC_OFF)), `row ${k} does not show service ${SVC_OFF}: ${show(r.tags)}`);
		expect(r.picked === String(p.picked) && p.picked === json.picked.includes(p.profile_id), `row ${k}: data-picked ${r.picked}, the API's ${p.picked}, in picked ${json.picked.includes(p.profile_id)}`);
	}
	expect(json.picked.length === 5, `picked ${json.picked.length} profiles, want the top 5 of ${N_OFF}`);
	await shot(page, 'search');
});

// Profile.
phase = { name: 'profile', allow: [] };
let profileIds = [];
await check('profile page (open-selected of 3 rows): sample type, a flame graph drawn on canvas#flame-canvas (data-nodes > 0, painted pixels)', async () => {
	notLoaded();
	if (!(await page.$('table#search-results tr.profile-row'))) await search(page, `service:${SVC_OFF}`);
	profileIds = await checkRows(page, 3);
	await pending(page);
	await page.click('button#open-selected');
	await waitView(page, 'profile');
	try {
		await profileChecks();
	} finally {
		await shot(page, 'profile');
	}
});
async function profileChecks() {
	const ids = (await hashParams(page)).getAll('id');
	expect(show([...ids].sort()) === show([...profileIds].sort()), `#/profile ids ${show(ids)}, checked ${show(profileIds)}`);
	const { json } = await api(`/ui/api/profile?${profileIds.map(i => `id=${encodeURIComponent(i)}`).join('&')}`);
	const st = ((await page.textContent('#profile-sample-type')) || '').trim();
	expect(st === `${json.sample_type.type}/${json.sample_type.unit}`, `#profile-sample-type ${JSON.stringify(st)}, the API's ${show(json.sample_type)}`);
	expect(((await page.textContent('#profile-duration')) || '').trim(), 'empty #profile-duration');
	try {
		await page.waitForFunction(() => Number((document.querySelector('#flame canvas#flame-canvas') || { dataset: {} }).dataset.nodes) > 0, null, { timeout: WAIT_MS });
	} catch {
		throw new Failure(`canvas#flame-canvas inside #flame has no data-nodes > 0: ${show(await page.evaluate(() => { const c = document.querySelector('canvas#flame-canvas'); return c && { ...c.dataset, inFlame: !!c.closest('#flame') }; }))}`);
	}
	const c = await page.evaluate(() => {
		const c = document.querySelector('#flame canvas#flame-canvas');
		const o = document.createElement('canvas');
		o.width = c.width;
		o.height = c.height;
		const g = o.getContext('2d');
		g.drawImage(c, 0, 0);
		const d = g.getImageData(0, 0, o.width, o.height).data;
		let painted = 0;
		const colors = new Set();
		for (let i = 0; i < d.length; i += 4) {
			if (d[i + 3] > 0 && !(d[i] > 248 && d[i + 1] > 248 && d[i + 2] > 248)) painted++;
			colors.add((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]);
		}
		return { w: o.width, h: o.height, painted, colors: colors.size, nodes: Number(c.dataset.nodes), ms: c.dataset.renderMs };
	});
	comment(`flame graph: ${c.nodes} frames drawn of ${json.flame.nodes.length} (${json.flame.pruned} pruned), canvas ${c.w}x${c.h}, ${c.colors} colours, data-render-ms=${c.ms}`);
	expect(c.nodes <= json.flame.nodes.length, `data-nodes ${c.nodes} > the API's ${json.flame.nodes.length} nodes`);
	expect(c.w > 0 && c.h > 0 && c.painted >= 0.02 * c.w * c.h && c.colors >= 3, `the canvas looks blank: ${show(c)}`);
	expect(c.ms !== undefined && Number.isFinite(Number(c.ms)) && Number(c.ms) >= 0, `data-render-ms ${JSON.stringify(c.ms)}`);
}

await check('profile page: table#hot-sites rows (caller, callee, offset, weight, in order) equal pgotool inspect --json\'s hot_call_sites of the merge downloaded by a#profile-download; min(100, all) rows', async () => {
	notLoaded();
	const v = await state(page);
	expect(v.view === 'profile', `not on the profile page: ${show(v)}`);
	const href = await page.getAttribute('a#profile-download', 'href');
	expect(href, 'no a#profile-download href');
	const u = new URL(href, page.url());
	expect(u.origin === ORIGIN && u.pathname === '/ui/api/download' && show(u.searchParams.getAll('id').sort()) === show([...profileIds].sort()),
		`a#profile-download href ${href}, want /ui/api/download?id=... with ${show(profileIds)}`);
	const file = path.join(WORK, 'profile.pgo');
	const name = await download(page, 'a#profile-download', file);
	expect(name === 'default.pgo', `the download is named ${name}`);
	expect(await isPprof(file), 'the download is not a gzip pprof');
	const cli = JSON.parse(await pgotool(['inspect', '--json', file]));
	// The page's JSON holds the first 100 rows of each list, as --top 100 prints them.
	const cli100 = JSON.parse(await pgotool(['inspect', '--json', '--top', '100', file]));
	const rows = await page.$$eval('table#hot-sites tr.hot-site', trs => trs.map(tr => ({ ...tr.dataset })));
	const want = Math.min(100, cli.hot_call_sites.length);
	expect(want > 0, 'pgotool inspect finds no hot call site');
	expect(rows.length === want, `${rows.length} tr.hot-site rows, want ${want} (pgotool inspect has ${cli.hot_call_sites.length})`);
	for (const [k, r] of rows.entries()) {
		const h = cli.hot_call_sites[k];
		const got = [r.caller, r.callee, Number(r.offset), Number(r.weight)], exp = [h.caller, h.callee, h.offset, h.weight];
		expect(show(got) === show(exp), `row ${k}: ${show(got)}, pgotool inspect: ${show(exp)}`);
	}
	comment(`hot call sites: ${rows.length} rows shown of ${cli.hot_call_sites.length}`);
	if (cli.hot_call_sites.length > 100) {
		const txt = await page.textContent('#app');
		const more = String(cli.hot_call_sites.length - 100);
		expect(txt.includes(more) || txt.includes(String(cli.hot_call_sites.length)), `no note of the ${more} more hot call sites`);
	}
	const { json } = await api(`/ui/api/profile?${profileIds.map(i => `id=${encodeURIComponent(i)}`).join('&')}`);
	const d = deepDiff({ ...json.inspect, file: null }, { ...cli100, file: null });
	expect(!d, `/ui/api/profile's inspect is not pgotool inspect --json --top 100's: ${d}`);
});

// Download of the query's picked profiles against pgotool fetch.
phase = { name: 'download-top', allow: [] };
await check(`search: a#download-top's default.pgo for service:${SVC_OFF} has the same pgotool edges as pgotool fetch of the query, which merged the API's picked profiles`, async () => {
	notLoaded();
	const q = `service:${SVC_OFF}`;
	await search(page, q);
	const href = await page.getAttribute('a#download-top', 'href');
	expect(href, 'no a#download-top href');
	const u = new URL(href, page.url());
	expect(u.pathname === '/ui/api/download' && u.searchParams.get('q') === q && u.searchParams.get('window') === '72h',
		`a#download-top href ${href}, want /ui/api/download?q=${q}&window=72h`);
	const ui = path.join(WORK, 'top-ui.pgo'), cli = path.join(WORK, 'top-fetch.pgo');
	const name = await download(page, 'a#download-top', ui);
	expect(name === 'default.pgo', `the download is named ${name}`);
	const out = await pgotool(['fetch', '-fail', '-api', BASE, q, cli], { DD_API_KEY: API_KEY, DD_APP_KEY: APP_KEY });
	const extracted = [...out.matchAll(/INF extracted profile .*?profile-id=(\S+)/g)].map(m => m[1]).sort();
	const e1 = await pgotool(['edges', ui]), e2 = await pgotool(['edges', cli]);
	expect(e1.startsWith('GO PREPROFILE V1\n'), 'pgotool edges of the UI\'s download is not a preprofile');
	expect(e1 === e2, `pgotool edges differ: UI ${e1.length} bytes, fetch ${e2.length} bytes`);
	const { json } = await api(`/ui/api/search?${qs({ q, window: '72h', top: '5' })}`);
	expect(show([...json.picked].sort()) === show(extracted), `the API picked ${show(json.picked)}, fetch extracted ${show(extracted)}`);
	const marked = (await searchRows(page)).filter(r => r.picked === 'true').map(r => r.id).sort();
	expect(show(marked) === show(extracted), `rows marked picked ${show(marked)}, fetch extracted ${show(extracted)}`);
});

// Compare.
phase = { name: 'compare', allow: [] };
let cmp = null; // what the compare page showed, for the check after it
await check(`compare (set-a: 2 ${SVC_OFF} rows, set-b: 2 ${SVC_ON} rows, compare-go): #compare-overlap's data-overlap equals pgotool diff --json's overlap of the two downloads`, async () => {
	notLoaded();
	await search(page, `service:${SVC_OFF}`);
	const a = await checkRows(page, 2);
	await page.click('button#set-a');
	await search(page, `service:${SVC_ON}`);
	const b = await checkRows(page, 2);
	await page.click('button#set-b');
	await pending(page);
	await page.click('button#compare-go');
	await waitView(page, 'compare');
	try {
		await compareChecks(a, b);
	} finally {
		await shot(page, 'compare');
	}
});
async function compareChecks(a, b) {
	const hp = await hashParams(page);
	expect(show(hp.getAll('a').sort()) === show([...a].sort()) && show(hp.getAll('b').sort()) === show([...b].sort()),
		`#/compare a=${show(hp.getAll('a'))} b=${show(hp.getAll('b'))}, checked A ${show(a)} B ${show(b)}`);
	const ov = await page.getAttribute('#compare-overlap', 'data-overlap');
	const fa = path.join(WORK, 'a.pgo'), fb = path.join(WORK, 'b.pgo');
	for (const [ids, f] of [[a, fa], [b, fb]]) {
		const r = await ctx.request.get(`${BASE}/ui/api/download?${ids.map(i => `id=${encodeURIComponent(i)}`).join('&')}`);
		expect(r.status() === 200, `download with the session: HTTP ${r.status()}`);
		expect(r.headers()['content-disposition'] === 'attachment; filename="default.pgo"' && r.headers()['content-type'] === 'application/octet-stream',
			`Content-Disposition ${r.headers()['content-disposition']}, Content-Type ${r.headers()['content-type']}`);
		await fs.writeFile(f, await r.body());
	}
	const diff = JSON.parse(await pgotool(['diff', '--json', fa, fb]));
	comment(`overlap: UI data-overlap=${ov}, pgotool diff ${diff.overlap}; decisions_equal ${diff.decisions_equal}`);
	expect(ov !== null && Number(ov) === diff.overlap, `data-overlap ${JSON.stringify(ov)}, pgotool diff --json: ${diff.overlap}`);
	const txt = ((await page.textContent('#compare-overlap')) || '').trim();
	expect(/%/.test(txt), `#compare-overlap text ${JSON.stringify(txt)} is not a percent`);
	expect(((await page.textContent('#compare-decisions')) || '').trim(), 'empty #compare-decisions');
	for (const t of ['table#sites-added', 'table#sites-removed', 'table#shifts'])
		expect(await page.$(t), `no ${t}`);
	cmp = { a, b, diff, nShifts: await page.$$eval('table#shifts tr.shift-row', x => x.length) };
}
await check('compare: /ui/api/compare\'s diff equals pgotool diff --json A B of the same two merges (file names aside), and table#shifts shows shifts when it has some', async () => {
	expect(cmp, 'the compare page did not load (see above)');
	const { a, b, diff, nShifts } = cmp;
	const { json } = await api(`/ui/api/compare?${a.map(i => `a=${encodeURIComponent(i)}`).join('&')}&${b.map(i => `b=${encodeURIComponent(i)}`).join('&')}`);
	const strip = d => ({ ...d, old: { ...d.old, file: null }, new: { ...d.new, file: null } });
	const dd = deepDiff(strip(json.diff), strip(diff));
	expect(!dd, `/ui/api/compare's diff is not pgotool diff --json's (file names aside): ${dd}`);
	const sorted = x => show([...(x || [])].sort());
	expect(sorted(json.a) === sorted(a) && sorted(json.b) === sorted(b), `the answer's a ${show(json.a)} b ${show(json.b)}, asked ${show(a)} ${show(b)}`);
	expect(diff.shifts.length === 0 ? nShifts === 0 : nShifts > 0 && nShifts <= json.diff.shifts.length,
		`${nShifts} tr.shift-row, pgotool diff has ${diff.shifts.length} shifts`);
});

// XSS.
phase = { name: 'xss', allow: [{ status: 400, path: '/ui/api/search' }] };
await check(`XSS: the tag ${XSS_TAG} shows as text (a span.tag with exactly that textContent), no element injected; a search for ${XSS_Q} runs nothing`, async () => {
	notLoaded();
	const scripts = await page.$$eval('script', s => s.length);
	await search(page, `service:${SVC_XSS}`);
	const tags = await page.$$eval('table#search-results span.tag', s => s.map(x => x.textContent));
	expect(tags.includes(XSS_TAG), `no span.tag reads ${XSS_TAG}: ${show(tags)}`);
	const injected = await page.evaluate(() => ({
		img: document.querySelectorAll('table#search-results img').length, xss: window.__xss,
	}));
	expect(injected.img === 0 && injected.xss === undefined, `injected: ${show(injected)}`);
	await pending(page);
	await page.fill('input#search-q', XSS_Q);
	await page.press('input#search-q', 'Enter');
	try {
		await page.waitForFunction(() => document.body.dataset.ready === 'true' || ((document.querySelector('#error') || {}).textContent || '').trim(), null, { timeout: WAIT_MS });
	} catch {
		throw new Failure(`the search for ${XSS_Q} neither loaded nor showed an error: ${show(await state(page))}`);
	}
	const after = await page.evaluate(() => ({
		scripts: document.querySelectorAll('script').length, img: document.querySelectorAll('#app img').length, xss: window.__xss,
		input: document.querySelector('input#search-q') && document.querySelector('input#search-q').value,
		error: ((document.querySelector('#error') || {}).textContent || '').trim(),
	}));
	comment(`search for ${XSS_Q}: ${after.error ? `#error ${JSON.stringify(after.error)}` : 'no error'}`);
	expect(after.scripts === scripts && after.img === 0 && after.xss === undefined, `injected: ${show(after)} (scripts before: ${scripts})`);
	expect(after.input === XSS_Q, `input#search-q reads ${JSON.stringify(after.input)}`);
});

// Sign-out.
phase = { name: 'signed-out-again', allow: [...phase.allow, ...dataPaths.concat(['/ui/api/session']).map(p => ({ status: 401, path: p.replace(/\?.*/, '') }))] };
await check('sign-out (button#signout): back to the sign-in form, the cookie cleared, and the old session refused by the server (401)', async () => {
	notLoaded();
	await pending(page);
	await page.click('button#signout');
	await waitView(page, 'signin');
	expect(!(await sessionOf(ctx)), 'the pgotool_session cookie is still there');
	expect(sessionValue, 'there was no session to end');
	const r = await req('/ui/api/services?window=72h', { headers: { Cookie: `pgotool_session=${sessionValue}` } });
	expect(r.status === 401, `the old session still works: HTTP ${r.status}`);
});

await check('no console error or warning, page error, dialog or CSP violation on any page', async () => {
	notLoaded();
	for (const a of consoleAllowed) comment(`expected: ${a}`);
	expect(!consoleBad.length, `${consoleBad.length} of them:\n${consoleBad.slice(0, 25).join('\n')}`);
});

await check('screenshots of the signin, services, search, profile and compare pages saved as PNG', async () => {
	const bad = [];
	for (const n of ['signin', 'services', 'search', 'profile', 'compare']) {
		const f = path.join(SHOTS, `${n}.png`);
		const b = await fs.readFile(f).catch(() => null);
		if (!b || b.readUInt32BE(0) !== 0x89504e47) bad.push(n);
	}
	expect(!bad.length, `missing: ${bad.join(', ')}`);
	comment(`screenshots in ${SHOTS}`);
});

await browser.close();
console.log(`# ui.test.mjs: done, ${nPass} passed, ${nFail} failed`);
process.exit(nFail ? 1 : 0);
