import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Outbox, backoffMs, DEFAULT_RETRY } from '../../src/alerting/outbox.ts';
import { resolveChannels, type ChannelConfig } from '../../src/alerting/channels/registry.ts';
import { Alerter } from '../../src/alerting/alerter.ts';
import type { KeyResult, Notification } from '../../src/alerting/types.ts';
import { startReceiver, until } from './receiver.ts';

function n(id: string, over: Partial<Notification> = {}): Notification {
  return {
    id, kind: 'trigger', incidentId: 'inc', key: 'p/m/-', probe: 'p', milestone: 'm', scope: '-', environment: 'prod', severity: 'critical',
    level: 'failed', summary: id, openedAt: '2026-12-03T10:00:00.000Z', at: '2026-12-03T10:00:00.000Z', impact: { scope: 'channel' }, ...over,
  };
}

function tmp(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'sp-outbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function channelsFor(configs: ChannelConfig[]) {
  return resolveChannels(configs).channels;
}

test('backoff grows exponentially, is capped, and has bounded jitter', () => {
  const p = { ...DEFAULT_RETRY, baseMs: 100, maxMs: 1000, factor: 2 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, p, () => 0.5)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffMs(1, p, () => 0), 80);
  assert.equal(backoffMs(1, p, () => 1), 120);
});

test('receiver down, outbox restarted, receiver up: every notification delivered exactly once, in order', async (t) => {
  const dir = tmp(t);
  // The receiver is down: a listener that resets every connection (a network error, like a refused
  // one) holds its port, so that nothing else (another test, or the outbox connecting to itself)
  // takes the port before the receiver is back on it.
  const down = net.createServer((s) => s.resetAndDestroy());
  await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => down.close(() => r())));
  const port = (down.address() as net.AddressInfo).port;
  const channels = channelsFor([{ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/in` }]);

  const first = new Outbox({ dir, channels, retry: { baseMs: 10, maxMs: 40 } });
  first.start();
  for (const id of ['a', 'b', 'c']) first.enqueue('hook', n(id));
  await until(() => first.stats().retries >= 2, 30_000, 'retries against the down receiver');
  assert.equal(first.stats().pending, 3);
  await first.stop();

  const second = new Outbox({ dir, channels, retry: { baseMs: 10, maxMs: 40 } });
  t.after(() => second.stop());
  assert.equal(second.stats().pending, 3, 'pending notifications survive the restart');
  second.enqueue('hook', n('d'));
  second.start();
  await new Promise<void>((r) => down.close(() => r()));
  const rx = await startReceiver(() => ({ status: 200 }), port);
  t.after(() => rx.close());
  assert.ok(await second.drain(30_000), 'outbox drained');
  assert.deepEqual(rx.received.map((r) => r.json.notification.id), ['a', 'b', 'c', 'd']);
  assert.deepEqual(readdirSync(join(dir, 'pending', 'hook')), []);
  assert.equal(second.stats().deadLettered, 0);
});

test('a slow channel does not hold back another channel', async (t) => {
  const dir = tmp(t);
  // The slow receiver answers only once the fast channel has delivered: slow for as long as it takes.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const slow = await startReceiver(() => ({ status: 200, hold: released }));
  const fast = await startReceiver();
  t.after(() => release());
  t.after(() => Promise.all([slow.close(), fast.close()]));
  const channels = channelsFor([
    { name: 'slow', type: 'webhook', url: slow.url },
    { name: 'fast', type: 'webhook', url: fast.url },
  ]);
  const outbox = new Outbox({ dir, channels });
  t.after(() => outbox.stop());
  outbox.start();
  outbox.enqueue('slow', n('s1'));
  outbox.enqueue('fast', n('f1'));
  await until(() => fast.received.length === 1, 30_000, 'fast channel delivery');
  assert.equal(outbox.stats().byChannel.slow!.pending, 1, 'slow channel still in flight when the fast one delivered');
  assert.equal(slow.received.length, 1, 'the slow receiver has the request and has not answered');
  release();
  assert.ok(await outbox.drain(30_000));
  assert.equal(slow.received.length, 1);
});

test('a refused notification (400) is dead-lettered with the reason and does not block the queue; 5xx is retried', async (t) => {
  const dir = tmp(t);
  let calls = 0;
  const rx = await startReceiver((r) => {
    calls++;
    if (r.json.notification.id === 'bad') return { status: 400, body: 'invalid payload' };
    if (r.json.notification.id === 'flaky' && calls < 4) return { status: 503 };
    return { status: 200 };
  });
  t.after(() => rx.close());
  const events: string[] = [];
  const outbox = new Outbox({ dir, channels: channelsFor([{ name: 'hook', type: 'webhook', url: rx.url }]), retry: { baseMs: 5, maxMs: 20 }, onEvent: (e) => events.push(`${e.type}:${e.id}`) });
  t.after(() => outbox.stop());
  outbox.start();
  outbox.enqueue('hook', n('bad'));
  outbox.enqueue('hook', n('flaky'));
  outbox.enqueue('hook', n('good'));
  assert.ok(await outbox.drain(30_000));
  assert.deepEqual(rx.received.map((r) => r.json.notification.id), ['flaky', 'good']);
  assert.equal(events[0], 'dead:bad');
  assert.equal(events.filter((e) => e === 'retry:flaky').length, 2);
  assert.equal(outbox.stats().deadLettered, 1);
  const dead = readdirSync(join(dir, 'dead'));
  assert.equal(dead.length, 1);
});

const result = (status: KeyResult['status'], over: Partial<KeyResult> = {}): KeyResult => ({
  key: 'order-to-erp/erp.created/channel=b2b', probe: 'order-to-erp', milestone: 'erp.created', scope: 'channel=b2b', status,
  reason: status === 'ok' ? undefined : 'no sales order', impact: { scope: 'channel' }, ...over,
});

test('alerter: routes by severity, resolves on the same channels, survives a restart, CI never pages', async (t) => {
  const dir = tmp(t);
  process.env.SP_TEST_PD_KEY2 = 'R0123456789abcdef0123456789abcde';
  const rx = await startReceiver(() => ({ status: 202 }));
  t.after(() => rx.close());
  const channels = channelsFor([
    { name: 'chat', type: 'webhook', url: `${rx.url}/chat` },
    { name: 'pager', type: 'pagerduty', routingKeyEnv: 'SP_TEST_PD_KEY2', url: `${rx.url}/pd` },
  ]);
  const outbox = new Outbox({ dir: join(dir, 'outbox'), channels });
  t.after(() => outbox.stop());
  outbox.start();
  const routes = [{ channel: 'chat', minSeverity: 'warning' as const }, { channel: 'pager', minSeverity: 'critical' as const }];
  const policy = { failureThreshold: 2, successThreshold: 2 };
  const stateFile = join(dir, 'alerts.json');
  const base = { probe: 'order-to-erp', environment: 'prod', routes, policy };

  let alerter = new Alerter({ stateFile, outbox });
  // CI runs: never notify, never change state
  for (let i = 0; i < 5; i++) assert.deepEqual(alerter.observe({ ...base, source: 'ci', results: [result('critical')] }), []);
  // single-order warning: reaches chat only
  alerter.observe({ ...base, source: 'schedule', results: [result('critical', { key: 'o/one', impact: { scope: 'order' } })] });
  const warn = alerter.observe({ ...base, source: 'schedule', results: [result('critical', { key: 'o/one', impact: { scope: 'order' } })] });
  assert.deepEqual(warn.map((x) => `${x.kind}:${x.severity}`), ['trigger:warning']);
  // channel-wide: critical, both channels
  assert.deepEqual(alerter.observe({ ...base, source: 'schedule', results: [result('critical')] }), []);
  const trig = alerter.observe({ ...base, source: 'schedule', results: [result('critical')] });
  assert.deepEqual(trig.map((x) => `${x.kind}:${x.severity}`), ['trigger:critical']);
  assert.equal(alerter.openAlerts().length, 2);
  assert.equal(alerter.openAlerts()[0]!.severity, 'critical');

  // restart: state is kept; two successes resolve the channel incident on both channels
  alerter = new Alerter({ stateFile, outbox });
  assert.equal(alerter.openAlerts().length, 2);
  alerter.observe({ ...base, source: 'schedule', results: [result('ok')] });
  const res = alerter.observe({ ...base, source: 'schedule', results: [result('ok')] });
  assert.deepEqual(res.map((x) => x.kind), ['resolve']);
  assert.equal(res[0]!.incidentId, trig[0]!.incidentId);
  assert.ok(await outbox.drain(30_000));
  const seen = rx.received.map((r) => `${r.path}:${r.path === '/pd' ? r.json.event_action : r.json.notification.kind}`);
  assert.deepEqual(seen.filter((s) => s.startsWith('/pd')), ['/pd:trigger', '/pd:resolve']);
  assert.deepEqual(seen.filter((s) => s.startsWith('/chat')), ['/chat:trigger', '/chat:trigger', '/chat:resolve']);
  assert.equal(alerter.openAlerts().length, 1);
});
