import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineScenario, runScenarios, type LoadedConfig, type ScenarioDefinition, type SyncprobeConfig } from '../../src/engine/index.ts';
import type { Reporter } from '../../src/core/outputs.ts';

/**
 * A tiny order system on a real local HTTP server: an order placed becomes visible after `visibleAfterMs`;
 * every request's correlation id and every cancel is recorded.
 */
async function orderSystem(t: { after(fn: () => Promise<void> | void): void }, opts: { visibleAfterMs: number; rateLimitFirst?: number; fail?: boolean }) {
  const state = { placedAt: 0, correlationIds: new Set<string>(), cancels: 0, requests: 0, rateLimited: 0, ref: '' };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const cid = req.headers['x-correlation-id'];
    if (typeof cid === 'string') state.correlationIds.add(cid);
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (opts.fail) return json(500, { error: { code: 'internal_error', message: 'boom' } });
    if (req.method === 'POST' && url.pathname === '/orders') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        state.placedAt = Date.now();
        state.ref = (JSON.parse(body) as { ref: string }).ref;
        json(202, { id: 'O-1', acceptedAt: new Date(state.placedAt).toISOString() });
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/orders/O-1/cancel') {
      state.cancels++;
      return json(200, { ok: true });
    }
    if (url.pathname === '/orders') {
      if (state.rateLimited < (opts.rateLimitFirst ?? 0)) {
        state.rateLimited++;
        return json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '0' });
      }
      const visible = state.placedAt > 0 && Date.now() - state.placedAt >= opts.visibleAfterMs && url.searchParams.get('ref') === state.ref;
      return json(200, { items: visible ? [{ id: 'O-1', ref: state.ref, createdAt: new Date(state.placedAt + opts.visibleAfterMs).toISOString(), lines: [{ sku: 'A', qty: '2.000' }] }] : [] });
    }
    json(404, { error: { code: 'not_found', message: url.pathname } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function config(url: string, scenario: ScenarioDefinition, extra: Partial<SyncprobeConfig> = {}): LoadedConfig {
  return {
    file: '(test)',
    dir: process.cwd(),
    marker: { customer: 'SYNTHETIC-PROBE', referencePrefix: 'SP-' },
    defaultEnvironment: 'local',
    scenarios: [{ definition: scenario, file: '(test)' }],
    config: {
      environments: {
        local: {
          systems: {
            shop: {
              baseUrl: url,
              lookups: {
                orders: {
                  path: '/orders',
                  query: { ref: '{reference}' },
                  items: 'items',
                  fields: { id: 'id', reference: 'ref', createdAt: { path: 'createdAt', type: 'time' } },
                  lines: { path: 'lines', fields: { sku: 'sku', quantity: { path: 'qty', type: 'number' } } },
                },
              },
            },
          },
        },
      },
      polling: { initialMs: 5, factor: 1.5, maxMs: 20, graceFactor: 2 },
      orphanSweep: { enabled: false },
      ...extra,
    },
  };
}

const scenario = (over: Partial<ScenarioDefinition> = {}) =>
  defineScenario({
    name: 'shop/order',
    tags: { channel: 'web', warehouse: 'W1' },
    steps: [
      {
        name: 'place',
        system: 'shop',
        run: async (ctx) => {
          const sentAt = Date.now();
          const r = await ctx.request<{ id: string; acceptedAt: string }>('shop', { method: 'POST', path: '/orders', body: { ref: ctx.reference } });
          ctx.onCleanup('cancel', async (c) => {
            await c.request('shop', { method: 'POST', path: `/orders/${r.body.id}/cancel` });
          });
          ctx.mark('accepted', { sentAt, receivedAt: Date.now(), systemAt: Date.parse(r.body.acceptedAt) });
        },
      },
    ],
    milestones: [
      { name: 'accepted', system: 'shop', markedByStep: true },
      {
        name: 'created',
        title: 'order created',
        system: 'shop',
        slaMs: 200,
        timestamp: 'createdAt',
        poll: { lookup: 'orders', params: (ctx) => ({ reference: ctx.reference }), until: (rs, ctx) => rs.find((r) => r.reference === ctx.reference) },
        check: (r) => (r.lines?.[0]?.quantity === 2 ? [] : [{ field: 'qty', expected: 2, actual: r.lines?.[0]?.quantity, message: 'quantity differs' }]),
      },
    ],
    ...over,
  });

test('a healthy transaction: met with bounds around the true time, correlation id on every request, cleanup done, reporters told', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 60, rateLimitFirst: 2 });
  const seen: string[] = [];
  const reporter: Reporter = { name: 'probe', onScenarioStart: (s) => void seen.push(`start ${s.name}`), onMilestone: (_s, m) => void seen.push(`milestone ${m.name} ${m.status}`), onRunEnd: (r) => void seen.push(`end ${r.status}`) };
  const validated: string[] = [];
  const run = await runScenarios({
    config: config(sys.url, scenario()),
    sla: { created: 5000 },
    reporters: [reporter],
    validators: [(body, ctx) => (validated.push(`${ctx.method} ${ctx.path}`), [])],
  });
  const s = run.scenarios[0]!;
  assert.equal(run.status, 'ok');
  assert.equal(s.status, 'ok');
  const created = s.milestones[1]!;
  assert.equal(created.status, 'met');
  assert.ok(created.latencyLowerMs! <= 60 && 60 <= created.latencyUpperMs! + 1, `60 ms within [${created.latencyLowerMs}, ${created.latencyUpperMs}]`);
  assert.ok(created.requests! >= 3, 'polled more than once, 429s counted');
  assert.equal(sys.state.rateLimited, 2, 'Retry-After honoured and retried');
  assert.equal(created.systemLatencyMs, 60);
  assert.deepEqual([...sys.state.correlationIds], [s.correlationId]);
  assert.ok(s.correlationId.length > 8);
  assert.equal(sys.state.cancels, 1);
  assert.deepEqual(s.cleanup?.status, 'done');
  assert.deepEqual(seen.slice(0, 1), ['start shop/order']);
  assert.ok(seen.includes('milestone created met'));
  assert.equal(seen.at(-1), 'end ok');
  assert.ok(validated.includes('GET /orders'));
});

test('a milestone that never happens is missing; cleanup still runs', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 60_000 });
  const run = await runScenarios({ config: config(sys.url, scenario()) });
  const m = run.scenarios[0]!.milestones[1]!;
  assert.equal(run.status, 'critical');
  assert.equal(m.status, 'missing');
  assert.equal(m.failure?.class, 'business');
  assert.match(m.failure!.reason, /order created never observed for channel web, warehouse W1/);
  assert.deepEqual(m.failure?.scope, { channel: 'web', warehouse: 'W1', system: 'shop' });
  assert.equal(sys.state.cancels, 1);
});

test('late, data mismatch and breaking drift verdicts from the live run', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 300 });
  const late = await runScenarios({ config: config(sys.url, scenario()) });
  assert.equal(late.status, 'warning');
  assert.equal(late.scenarios[0]!.milestones[1]!.status, 'late');
  assert.ok(late.scenarios[0]!.milestones[1]!.latencyUpperMs! > 200);

  const sys2 = await orderSystem(t, { visibleAfterMs: 0 });
  const s2 = scenario();
  s2.milestones[1]!.check = () => [{ field: 'lines.uom', expected: 'CS12', actual: 'EA', message: "unit of measure 'EA' instead of 'CS12'" }];
  const data = await runScenarios({ config: config(sys2.url, s2), validators: [() => [{ code: 'drift.breaking', message: 'required property ref missing', breaking: true, pointer: '/items/0' }]] });
  const m = data.scenarios[0]!.milestones[1]!;
  assert.equal(m.status, 'error');
  assert.equal(m.failure?.class, 'data');
  assert.match(m.failure!.reason, /unit of measure 'EA' instead of 'CS12'.*\/items\/0: required property ref missing/);
});

test('a system answering 500 to every poll is an application error naming it', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 0 });
  const s = scenario({ steps: [{ name: 'place', system: 'shop', run: async (ctx) => ctx.mark('accepted', { sentAt: Date.now(), receivedAt: Date.now() }) }] });
  const cfg = config(sys.url.replace(/:\d+$/, ':1'), s);
  const run = await runScenarios({ config: cfg });
  const m = run.scenarios[0]!.milestones[1]!;
  assert.equal(m.status, 'error');
  assert.equal(m.failure?.class, 'transport');
  assert.match(m.failure!.reason, /shop GET \/orders: ECONNREFUSED/);
  const failing = await orderSystem(t, { visibleAfterMs: 0, fail: true });
  const run2 = await runScenarios({ config: config(failing.url, s) });
  assert.equal(run2.scenarios[0]!.milestones[1]!.failure?.class, 'application');
  assert.match(run2.scenarios[0]!.milestones[1]!.failure!.reason, /HTTP 500: internal_error - boom/);
});

test('interruption by AbortSignal and the scenario deadline: cleanup runs both times', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 60_000 });
  const ac = new AbortController();
  const running = runScenarios({ config: config(sys.url, scenario()), signal: ac.signal });
  setTimeout(() => ac.abort(new Error('SIGTERM')), 100);
  const run = await running;
  const s = run.scenarios[0]!;
  assert.equal(s.status, 'unknown');
  assert.ok(s.problems?.some((p) => p.code === 'interrupted'));
  assert.match(s.milestones[1]!.failure!.reason, /interrupted/);
  assert.equal(sys.state.cancels, 1, 'cleanup after interruption');

  const timed = await runScenarios({ config: config(sys.url, scenario({ timeoutMs: 100 })) });
  assert.equal(timed.scenarios[0]!.status, 'critical');
  assert.ok(timed.scenarios[0]!.problems?.some((p) => p.code === 'scenario_timeout'));
  assert.equal(sys.state.cancels, 2, 'cleanup after the deadline');
});

test('a failing step: its milestone is an error with the step reason, later ones not reached, cleanup of what was created', async (t) => {
  const sys = await orderSystem(t, { visibleAfterMs: 0 });
  const s = scenario();
  const place = s.steps[0]!.run;
  s.steps[0]!.run = async (ctx) => {
    await place(ctx);
    throw new Error('confirmation page never appeared');
  };
  s.milestones[0]!.markedByStep = true;
  // The mark happened before the failure: the milestone itself is met, the next ones follow normally.
  const run = await runScenarios({ config: config(sys.url, s) });
  assert.ok(run.scenarios[0]!.problems?.some((p) => p.code === 'step_failed' && /confirmation page never appeared/.test(p.message)));
  assert.equal(sys.state.cancels, 1);

  const s2 = scenario({ steps: [{ name: 'place', system: 'shop', run: async () => { throw new Error('checkout button missing'); } }] });
  const run2 = await runScenarios({ config: config(sys.url, s2) });
  const [first, second] = run2.scenarios[0]!.milestones;
  assert.equal(first!.status, 'error');
  assert.match(first!.failure!.reason, /step 'place' on shop failed: checkout button missing/);
  assert.equal(second!.status, 'missing');
  assert.match(second!.failure!.reason, /^not reached/);
  assert.equal(run2.status, 'critical');
});
