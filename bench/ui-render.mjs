// Times the web UI's profile page in Debian's headless Chromium (bench/ui.sh):
// opens #/profile?q=QUERY on a running pgotool serve, signed in with the
// application key, and prints "render_ms N nodes N frames N fetch_ms N" for
// each of ROUNDS loads: render_ms is the page's own data-render-ms (the data
// parsed to the first flame graph drawn), fetch_ms the whole load until the
// page says it is ready.
//     node bench/ui-render.mjs URL APP_KEY QUERY ROUNDS
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = await import(path.join(root, 'tests/ui/node_modules/playwright-core/index.mjs'));
const [url, appKey, query, rounds] = process.argv.slice(2);
if (!url || !appKey || !query) {
	console.error('usage: node bench/ui-render.mjs URL APP_KEY QUERY ROUNDS');
	process.exit(2);
}
const browser = await chromium.launch({
	executablePath: process.env.PGO_CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-dev-shm-usage'],
	headless: true,
});
try {
	const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
	const page = await context.newPage();
	const signin = await page.request.post(`${url}/ui/api/session`, {
		data: { app_key: appKey },
		headers: { Origin: new URL(url).origin },
	});
	if (!signin.ok()) throw new Error(`sign-in: HTTP ${signin.status()}`);
	for (let i = 0; i < Number(rounds || 5); i++) {
		await page.goto('about:blank');
		const t0 = Date.now();
		await page.goto(`${url}/ui/#/profile?q=${encodeURIComponent(query)}`);
		await page.waitForFunction(
			() => document.body.dataset.view === 'profile' && document.body.dataset.ready === 'true',
			null, { timeout: 60000 });
		const fetchMs = Date.now() - t0;
		const canvas = page.locator('#flame-canvas');
		const ms = await canvas.getAttribute('data-render-ms');
		const drawn = await canvas.getAttribute('data-nodes');
		const nodes = await page.evaluate(async q => {
			const r = await fetch(`/ui/api/profile?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
			return (await r.json()).flame.nodes.length;
		}, query);
		if (!ms) throw new Error('the profile page drew no flame graph');
		console.log(`render_ms ${ms} nodes ${nodes} frames ${drawn} fetch_ms ${fetchMs}`);
	}
} finally {
	await browser.close();
}
