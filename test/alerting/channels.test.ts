import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../src/alerting/outbox.ts';
import { resolveChannels, assertNoErrors, type ChannelConfig } from '../../src/alerting/channels/registry.ts';
import type { Notification } from '../../src/alerting/types.ts';
import { UsageError } from '../../src/core/errors.ts';
import { redact } from '../../src/core/redact.ts';
import { startReceiver, until } from './receiver.ts';

function notification(over: Partial<Notification> = {}): Notification {
  return {
    id: 'n-1',
    kind: 'trigger',
    incidentId: 'inc-42',
    key: 'order-to-erp/erp.created/channel=b2b',
    probe: 'order-to-erp',
    milestone: 'erp.created',
    scope: 'channel=b2b',
    environment: 'prod',
    severity: 'critical',
    level: 'failed',
    summary: 'order-to-erp: erp.created for channel=b2b failed',
    reason: 'no ERP sales order within 120000 ms',
    openedAt: '2026-12-03T10:00:00.000Z',
    at: '2026-12-03T10:03:00.000Z',
    impact: { scope: 'channel', flow: 'order' },
    ...over,
  };
}

/** Sends one notification through the real outbox to a real local receiver and returns what arrived. */
async function deliver(t: { after: (fn: () => unknown) => void }, config: (url: string) => ChannelConfig, n: Notification, status = 200) {
  const rx = await startReceiver(() => ({ status, body: status === 202 ? '{"status":"success"}' : 'ok' }));
  const dir = mkdtempSync(join(tmpdir(), 'sp-outbox-'));
  const { channels, diagnostics } = resolveChannels([config(rx.url)]);
  assertNoErrors(diagnostics, 'test channels');
  const outbox = new Outbox({ dir, channels, retry: { baseMs: 10, maxMs: 50 } });
  t.after(async () => {
    await outbox.stop();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });
  outbox.start();
  outbox.enqueue(config(rx.url).name, n);
  await until(() => rx.received.length === 1, 30_000, 'delivery');
  assert.ok(await outbox.drain(30_000));
  return rx.received[0]!;
}

test('webhook: POSTs the notification as JSON with configured headers', async (t) => {
  process.env.SP_TEST_WEBHOOK_TOKEN = 'tok-abcdef';
  const r = await deliver(t, (url) => ({ name: 'hook', type: 'webhook', url: `${url}/alerts`, headers: { 'x-team': 'ops' }, headersFromEnv: { authorization: 'SP_TEST_WEBHOOK_TOKEN' } }), notification());
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/alerts');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['x-team'], 'ops');
  assert.equal(r.headers.authorization, 'tok-abcdef');
  assert.deepEqual(r.json, { version: 1, notification: notification() });
  // the header value came from the environment: it is a registered secret now
  assert.equal(redact('auth tok-abcdef'), 'auth [redacted]');
});

test('slack: incoming-webhook payload with text and blocks', async (t) => {
  const r = await deliver(t, (url) => {
    process.env.SP_TEST_SLACK_URL = `${url}/services/T000/B000/XXXX`;
    return { name: 'ops-slack', type: 'slack', webhookUrlEnv: 'SP_TEST_SLACK_URL', mentionOnCritical: '<!here>' };
  }, notification());
  assert.equal(r.path, '/services/T000/B000/XXXX');
  assert.deepEqual(Object.keys(r.json).sort(), ['blocks', 'text']);
  assert.equal(r.json.text, '<!here> :red_circle: [CRITICAL] order-to-erp erp.created [channel=b2b] FAILED (prod)');
  assert.equal(r.json.blocks[0].type, 'section');
  assert.equal(r.json.blocks[0].text.type, 'mrkdwn');
  assert.deepEqual(r.json.blocks[1].fields.map((f: { text: string }) => f.text), ['*Probe*\norder-to-erp', '*Milestone*\nerp.created', '*Scope*\nchannel=b2b', '*Impact*\nchannel']);
  assert.equal(r.json.blocks[2].text.text, '*Reason:* no ERP sales order within 120000 ms');
  assert.equal(r.json.blocks[3].type, 'context');
});

test('slack: a resolve is green and does not mention', async (t) => {
  const r = await deliver(t, (url) => {
    process.env.SP_TEST_SLACK_URL2 = `${url}/services/T1/B1/Y`;
    return { name: 's2', type: 'slack', webhookUrlEnv: 'SP_TEST_SLACK_URL2', mentionOnCritical: '<!here>' };
  }, notification({ kind: 'resolve', level: 'ok', reason: undefined }));
  assert.equal(r.json.text, ':large_green_circle: [CRITICAL] order-to-erp erp.created [channel=b2b] RESOLVED (prod)');
  assert.equal(r.json.blocks.length, 3);
});

test('teams: Workflows message with one Adaptive Card 1.4 attachment', async (t) => {
  const r = await deliver(t, (url) => ({ name: 'ops-teams', type: 'teams', webhookUrl: `${url}/workflows/abc` }), notification(), 202);
  assert.equal(r.json.type, 'message');
  assert.equal(r.json.attachments.length, 1);
  const a = r.json.attachments[0];
  assert.equal(a.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(a.contentUrl, null);
  assert.equal(a.content.type, 'AdaptiveCard');
  assert.equal(a.content.version, '1.4');
  assert.equal(a.content.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
  assert.deepEqual(a.content.body[0], { type: 'TextBlock', text: '[CRITICAL] order-to-erp erp.created [channel=b2b] FAILED (prod)', weight: 'Bolder', size: 'Medium', wrap: true, color: 'Attention' });
  assert.equal(a.content.body[1].type, 'FactSet');
  assert.deepEqual(a.content.body[1].facts[0], { title: 'Probe', value: 'order-to-erp' });
  assert.deepEqual(a.content.body[2], { type: 'TextBlock', text: 'no ERP sales order within 120000 ms', wrap: true });
});

test('pagerduty: Events API v2 trigger with dedup_key, severity, summary, source, custom_details', async (t) => {
  process.env.SP_TEST_PD_KEY = 'R0123456789abcdef0123456789abcde';
  const r = await deliver(t, (url) => ({ name: 'pd', type: 'pagerduty', routingKeyEnv: 'SP_TEST_PD_KEY', url: `${url}/v2/enqueue` }), notification(), 202);
  assert.equal(r.path, '/v2/enqueue');
  assert.deepEqual(r.json, {
    routing_key: 'R0123456789abcdef0123456789abcde',
    event_action: 'trigger',
    dedup_key: 'syncprobe:inc-42',
    payload: {
      summary: '[CRITICAL] order-to-erp erp.created [channel=b2b] FAILED (prod): no ERP sales order within 120000 ms',
      source: 'syncprobe/prod',
      severity: 'critical',
      timestamp: '2026-12-03T10:03:00.000Z',
      component: 'erp.created',
      group: 'order-to-erp',
      class: 'channel',
      custom_details: {
        key: 'order-to-erp/erp.created/channel=b2b',
        scope: 'channel=b2b',
        level: 'failed',
        kind: 'trigger',
        openedAt: '2026-12-03T10:00:00.000Z',
        reason: 'no ERP sales order within 120000 ms',
        impact: { scope: 'channel', flow: 'order' },
      },
    },
  });
  assert.equal(redact('key R0123456789abcdef0123456789abcde'), 'key [redacted]');
});

test('pagerduty: resolve carries only routing_key, event_action and the same dedup_key', async (t) => {
  process.env.SP_TEST_PD_KEY = 'R0123456789abcdef0123456789abcde';
  const r = await deliver(t, (url) => ({ name: 'pd', type: 'pagerduty', routingKeyEnv: 'SP_TEST_PD_KEY', url: `${url}/v2/enqueue` }), notification({ kind: 'resolve', level: 'ok' }), 202);
  assert.deepEqual(r.json, { routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'resolve', dedup_key: 'syncprobe:inc-42' });
});

test('channel validation lists every problem at once with the field', () => {
  delete process.env.SP_TEST_MISSING;
  const { diagnostics } = resolveChannels([
    { name: 'a', type: 'webhook', url: 'ftp://example.com' },
    { name: 'b', type: 'slack', webhookUrlEnv: 'SP_TEST_MISSING' },
    { name: 'c', type: 'pagerduty', routingKeyEnv: '' },
    { name: 'a', type: 'nope' } as unknown as ChannelConfig,
    { name: 'd', type: 'webhook', url: 'http://hooks.example.com/x' },
  ]);
  const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.where}: ${d.message}`);
  assert.deepEqual(errors, [
    'alerts.channels[0].url: must be https:// (plain http only to 127.0.0.1 / localhost), got ftp://example.com',
    'alerts.channels[1].webhookUrlEnv: environment variable SP_TEST_MISSING is not set',
    'alerts.channels[2].routingKeyEnv: is required: the environment variable holding the Events API v2 routing key',
    "alerts.channels[3].type: unknown channel type 'nope'; use one of webhook, slack, teams, pagerduty",
    'alerts.channels[4].url: must be https:// (plain http only to 127.0.0.1 / localhost), got http://hooks.example.com',
  ]);
  assert.throws(() => assertNoErrors(diagnostics, 'syncprobe.config.ts'), (e: unknown) => e instanceof UsageError && /5 problems/.test(e.message));
});

test('defaults merge under overrides', () => {
  process.env.SP_TEST_PD_KEY = 'R0123456789abcdef0123456789abcde';
  const { channels } = resolveChannels([{ name: 'pd', type: 'pagerduty', routingKeyEnv: 'SP_TEST_PD_KEY', timeoutMs: 500 }]);
  const c = channels.get('pd')!.config;
  assert.equal(c.url, 'https://events.pagerduty.com/v2/enqueue');
  assert.equal(c.source, 'syncprobe');
  assert.equal(c.timeoutMs, 500);
});
