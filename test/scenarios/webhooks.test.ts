import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { harness, describeRun, FAULT_SLA_MS, TEST_SLA, type Harness } from './support.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { validateConfig, validateScenario } from '../../src/config/validate.ts';
import type { EngineRunResult } from '../../src/engine/index.ts';

/**
 * The customer notification observed by its webhook: the sandbox's notifications service posts a
 * signed webhook for every notification to the inbox the run starts, which subscribed through the
 * service's API. Real HTTP both ways, a real HMAC, the sandbox's ground truth to judge the timing.
 */
const SCENARIO = 'order-to-notification/b2b';
let h: Harness;

before(async () => {
  h = await harness();
});
after(() => h.stop());

const notice = (r: EngineRunResult) => r.scenarios[0]!.milestones.find((m) => m.name === 'notifications.shipped')!;

test('the shipment notice is met by its webhook: no polling, the true time inside the bounds, the subscription gone after the run', async () => {
  const r = await h.run([SCENARIO]);
  assert.equal(r.scenarios[0]!.status, 'ok', describeRun(r));
  const m = notice(r);
  assert.equal(m.status, 'met');
  assert.equal(m.requests, 0, 'observed by the webhook, not by asking the notifications API');
  assert.equal(m.observedBy, 'webhook');
  assert.ok(r.scenarios[0]!.milestones.filter((x) => x.name !== 'notifications.shipped' && x.name !== 'channel.accepted').every((x) => x.observedBy === 'poll'));
  assert.equal(r.scenarios[0]!.milestones[0]!.observedBy, 'step');
  const cid = r.scenarios[0]!.correlationId;
  const shippedAt = h.sandbox.truth.firstAt(cid, 'wms.shipped')!;
  const sentAt = h.sandbox.truth.firstAt(cid, 'notifications.shipped')!;
  const deliveredAt = h.sandbox.truth.firstAt(cid, 'notifications.webhookDelivered');
  assert.ok(deliveredAt !== undefined, 'the sandbox delivered the webhook');
  const trueMs = sentAt - shippedAt;
  assert.ok(m.latencyLowerMs! <= trueMs && trueMs <= m.latencyUpperMs!, `true ${trueMs} ms within [${m.latencyLowerMs}, ${m.latencyUpperMs}]`);
  assert.ok(m.latencyMs! >= m.latencyLowerMs! && m.latencyMs! <= m.latencyUpperMs!);
  assert.deepEqual(await listSubscriptions(), [], 'the inbox unsubscribed when the run ended');
});

async function listSubscriptions() {
  const { ServiceClient } = await import('../../sandbox/http/client.ts');
  const c = new ServiceClient(h.sandbox.caPem);
  try {
    const r = await c.call('GET', `${h.sandbox.services.notifications}/api/webhooks`);
    return (r.body as { items: unknown[] }).items;
  } finally {
    await c.close();
  }
}

/** One run with the fault on, the customer notice awaited for the short fault SLA. */
async function underFault(fault: string): Promise<EngineRunResult> {
  h.sandbox.faults.set(fault);
  try {
    return await h.run([SCENARIO], { sla: { ...TEST_SLA, 'notifications.shipped': FAULT_SLA_MS } });
  } finally {
    h.sandbox.faults.clear(fault);
  }
}

test('a webhook signed with another secret is refused: an application error naming the header and the variable, never the secret', async () => {
  const r = await underFault('notifications.webhookSecretRotated');
  const m = notice(r);
  assert.equal(m.status, 'error', describeRun(r));
  assert.equal(m.failure!.class, 'application');
  assert.match(m.failure!.reason, /refused: the HMAC-SHA256 signature does not match the shared secret.*X-Signature-SHA256.*SYNCPROBE_NOTIFICATIONS_WEBHOOK_SECRET/);
  assert.equal(m.failure!.scope?.system, 'notifications');
  const secret = (await import('../../src/cli/environments.ts')).sandboxOverrides(h.sandbox, ['notifications']).notifications!.webhookSecret!;
  assert.ok(secret.length >= 16);
  assert.ok(!JSON.stringify(r).includes(secret), 'the signing secret is nowhere in the result');
  // The milestones before it are unaffected.
  assert.ok(r.scenarios[0]!.milestones.filter((x) => x.name !== 'notifications.shipped').every((x) => x.status === 'met'), describeRun(r));
});

test('webhooks stopped while notifications are sent: the reason says the notice exists in the system but its webhook never came', async () => {
  const r = await underFault('notifications.webhooksStopped');
  const m = notice(r);
  assert.equal(m.status, 'error', describeRun(r));
  assert.equal(m.failure!.class, 'application');
  assert.match(m.failure!.reason, /^notifications shows customer notified of the shipment at \d{4}-.*but its webhook 'notificationSent' never reached the inbox at http:\/\/127\.0\.0\.1:\d+\/hooks\/notifications.*check the webhook subscription/);
  assert.equal(m.requests, 1, 'one confirming look through the notifications API');
});

test('an environment without an inbox observes the same milestone by polling', async () => {
  const env = h.loaded.config.environments.sandbox!;
  const inbox = env.inbox;
  delete env.inbox;
  try {
    const r = await h.run([SCENARIO]);
    assert.equal(r.scenarios[0]!.status, 'ok', describeRun(r));
    assert.ok((notice(r).requests ?? 0) >= 1, 'polled');
    assert.equal(notice(r).observedBy, 'poll');
  } finally {
    env.inbox = inbox;
  }
});

test('a subscription the system refuses: the milestone is polled instead and the run says why', async () => {
  const spec = h.loaded.config.environments.sandbox!.systems.notifications!.webhooks!.notificationSent!;
  const subscribe = spec.subscribe!;
  spec.subscribe = { ...subscribe, path: '/api/no-such-endpoint' };
  try {
    const r = await h.run([SCENARIO]);
    const s = r.scenarios[0]!;
    assert.equal(notice(r).status, 'met', describeRun(r));
    assert.ok((notice(r).requests ?? 0) >= 1, 'polled');
    const p = s.problems?.find((x) => x.code === 'webhook_unavailable');
    assert.ok(p, describeRun(r));
    assert.match(p.message, /notifications webhook notificationSent could not be subscribed to \(POST \/api\/no-such-endpoint\).*404.*observed by polling/);
  } finally {
    spec.subscribe = subscribe;
  }
});

test('twenty transactions at once share one inbox and one subscription; each gets its own notice', async () => {
  const r = await h.run([SCENARIO], { repeat: 20, concurrency: 20 });
  assert.equal(r.scenarios.length, 20);
  assert.ok(r.scenarios.every((s) => s.status === 'ok'), describeRun(r));
  assert.ok(r.scenarios.every((s) => notice({ ...r, scenarios: [s] }).requests === 0));
  assert.equal(new Set(r.scenarios.map((s) => s.correlationId)).size, 20);
  assert.deepEqual(await listSubscriptions(), []);
});

test('config: a webhook-only milestone needs the webhook and an inbox in the environment; bad webhook and inbox fields are named', async () => {
  const env = h.loaded.config.environments.sandbox!;
  const def = h.loaded.scenarios.find((s) => s.definition.name === SCENARIO)!.definition;
  const m = def.milestones.find((x) => x.name === 'notifications.shipped')!;
  const poll = m.poll;
  delete m.poll;
  const inbox = env.inbox;
  delete env.inbox;
  try {
    await assert.rejects(h.run([SCENARIO]), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /milestones\.notifications\.shipped\.push\.webhook.*no inbox to receive the notifications webhook 'notificationSent'; add environments\.sandbox\.inbox/s);
      return true;
    });
  } finally {
    m.poll = poll;
    env.inbox = inbox;
  }
  const problems = validateConfig(
    {
      environments: {
        prod: {
          inbox: { port: 70000, publicUrl: 'ftp://x' },
          systems: {
            n: {
              baseUrl: 'https://n.example.com',
              webhooks: {
                a: { path: 'hooks', fields: {}, signature: { header: 'X-Sig', secretEnv: 'the secret itself!' }, subscribe: { path: '/api/webhooks', body: { to: 'somewhere' } } },
              },
            },
          },
        },
      },
    },
    'syncprobe.config.ts',
  );
  const fields = problems.map((p) => p.field);
  for (const f of ['environments.prod.inbox.port', 'environments.prod.inbox.publicUrl', 'environments.prod.systems.n.webhooks.a.path', 'environments.prod.systems.n.webhooks.a.signature.secretEnv', 'environments.prod.systems.n.webhooks.a.subscribe.body'])
    assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
  const scenarioProblems = validateScenario({ name: 'x', steps: [], milestones: [{ name: 'a', system: 'n', push: { webhook: 'a' } }] }, 'scenarios/x.ts', {});
  assert.match(scenarioProblems.map((p) => `${p.field}: ${p.message}`).join('\n'), /milestones\[0\] \(a\)\.push: expected \{ webhook: name of a webhook of the system, until\(records, ctx\) \}/);
});

test('the sandbox signs each delivery with the subscriber secret: HMAC-SHA256 of the exact body', async () => {
  const { createServer } = await import('node:http');
  const got: Array<{ body: string; sig: string | undefined; cid: string | undefined }> = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ body: Buffer.concat(chunks).toString(), sig: req.headers['x-signature-sha256'] as string | undefined, cid: req.headers['x-correlation-id'] as string | undefined });
      res.writeHead(got.length === 1 ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { ServiceClient } = await import('../../sandbox/http/client.ts');
  const c = new ServiceClient(h.sandbox.caPem);
  const secret = 'a-subscriber-secret-of-some-length';
  try {
    const port = (srv.address() as { port: number }).port;
    const sub = await c.call('POST', `${h.sandbox.services.notifications}/api/webhooks`, { json: { url: `http://127.0.0.1:${port}/in`, events: ['order_confirmed'], secret } });
    assert.equal(sub.status, 201);
    assert.equal((sub.body as { signed: boolean }).signed, true);
    assert.ok(!JSON.stringify(sub.body).includes(secret), 'the API never shows the secret');
    const bad = await c.call('POST', `${h.sandbox.services.notifications}/api/webhooks`, { json: { url: 'ftp://x', events: ['order_lost'] } });
    assert.equal(bad.status, 400);
    const sent = await c.call('POST', `${h.sandbox.services.notifications}/api/outbox`, { json: { type: 'order_confirmed', orderRef: 'SP-SIG-1', recipient: 'x@example.com' }, correlationId: 'sig-1' });
    assert.equal(sent.status, 201);
    // The first attempt is answered 500, the retry 200.
    for (const deadline = Date.now() + 30_000; got.length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 2);
    for (const g of got) {
      assert.equal(g.cid, 'sig-1');
      assert.equal(g.sig, `sha256=${createHmac('sha256', secret).update(g.body).digest('hex')}`);
      assert.equal(JSON.parse(g.body).notification.correlationId, 'sig-1');
    }
    const log = await c.call('GET', `${h.sandbox.services.notifications}/api/webhook-deliveries?correlationId=sig-1`);
    assert.deepEqual((log.body as { items: Array<{ attempt: number; status: number }> }).items.map((a) => [a.attempt, a.status]), [[1, 500], [2, 200]]);
    const del = await c.call('DELETE', `${h.sandbox.services.notifications}/api/webhooks/${(sub.body as { id: string }).id}`);
    assert.equal(del.status, 204);
    assert.equal((await c.call('DELETE', `${h.sandbox.services.notifications}/api/webhooks/${(sub.body as { id: string }).id}`)).status, 404);
  } finally {
    await c.close();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('a schedule keeps the inbox subscribed between runs (inboxLingerMs) and closeInboxes ends it', async () => {
  const { closeInboxes } = await import('../../src/engine/index.ts');
  const first = await h.run([SCENARIO], { inboxLingerMs: 60_000 });
  assert.equal(first.scenarios[0]!.status, 'ok', describeRun(first));
  const between = (await listSubscriptions()) as Array<{ url: string }>;
  assert.equal(between.length, 1, 'still subscribed after the run');
  const second = await h.run([SCENARIO], { inboxLingerMs: 60_000 });
  assert.equal(second.scenarios[0]!.status, 'ok', describeRun(second));
  assert.equal(notice(second).requests, 0);
  assert.deepEqual(await listSubscriptions(), between, 'the same subscription served the second run');
  await closeInboxes();
  assert.deepEqual(await listSubscriptions(), []);
});

test('a failed subscription is tried again when a later run takes the inbox; the webhook serves again once it succeeds', async () => {
  const { acquireInbox, resolveWebhooks } = await import('../../src/engine/inbox.ts');
  const { resolveSystems } = await import('../../src/engine/index.ts');
  const { sandboxOverrides } = await import('../../src/cli/environments.ts');
  const env = h.loaded.config.environments.sandbox!;
  const overrides = sandboxOverrides(h.sandbox, Object.keys(env.systems));
  const { systems } = resolveSystems(h.loaded, 'sandbox', overrides);
  const { routes } = resolveWebhooks(env, 'sandbox', h.loaded.file, (s) => overrides[s]?.webhookSecret);
  const route = routes.find((r) => r.name === 'notificationSent')!;
  const good = route.spec;
  route.spec = { ...good, subscribe: { ...good.subscribe!, path: '/api/not-here' } };
  const o = { key: 'retry-test', environment: 'sandbox', env, routes, systems, lingerMs: 60_000, resubscribeAfterMs: 0 };
  const first = await acquireInbox(o);
  try {
    assert.equal(first.inbox.has('notifications', 'notificationSent'), false);
    assert.match(first.inbox.unavailableReason('notifications', 'notificationSent')!, /could not be subscribed to \(POST \/api\/not-here\)/);
    await first.release();
    route.spec = good;
    const second = await acquireInbox(o);
    assert.equal(second.inbox, first.inbox, 'the lingering inbox is taken again');
    assert.equal(second.inbox.has('notifications', 'notificationSent'), true, 'subscribed on the second try');
    assert.equal(((await listSubscriptions()) as Array<{ url: string }>)[0]?.url, second.inbox.urlOf('notifications', 'notificationSent'));
    await second.release();
  } finally {
    route.spec = good;
    const { closeInboxes } = await import('../../src/engine/index.ts');
    await closeInboxes();
  }
  assert.deepEqual(await listSubscriptions(), []);
});

test('an inbox with TLS: the sandbox posts over HTTPS verified against its CA; a certificate it does not trust gets no webhooks; bad files are config errors', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createPki } = await import('../../sandbox/pki.ts');
  const { closeInboxes } = await import('../../src/engine/index.ts');
  const { ServiceClient } = await import('../../sandbox/http/client.ts');
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-inbox-tls-'));
  const env = h.loaded.config.environments.sandbox!;
  const files = (name: string, c: { certPem: string; keyPem: string }) => {
    writeFileSync(join(dir, `${name}.crt`), c.certPem);
    writeFileSync(join(dir, `${name}.key`), c.keyPem);
    return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  };
  const other = await createPki();
  try {
    env.inbox = { tls: files('trusted', await h.sandbox.issueCertificate()) };
    const r = await h.run([SCENARIO], { inboxLingerMs: 60_000 });
    assert.equal(r.scenarios[0]!.status, 'ok', describeRun(r));
    assert.equal(notice(r).observedBy, 'webhook');
    assert.equal(notice(r).requests, 0);
    const subs = (await listSubscriptions()) as Array<{ url: string }>;
    assert.match(subs[0]!.url, /^https:\/\/127\.0\.0\.1:\d+\/hooks\/notifications$/);
    await closeInboxes();

    // A certificate from a CA the sender does not trust: the handshake fails, nothing is delivered.
    env.inbox = { tls: files('untrusted', await other.issueServerCert()) };
    const u = await h.run([SCENARIO], { sla: { ...TEST_SLA, 'notifications.shipped': FAULT_SLA_MS } });
    assert.equal(notice(u).status, 'error', describeRun(u));
    assert.match(notice(u).failure!.reason, /never reached the inbox at https:\/\/127\.0\.0\.1:\d+\/hooks\/notifications/);
    const c = new ServiceClient(h.sandbox.caPem);
    try {
      const log = await c.call('GET', `${h.sandbox.services.notifications}/api/webhook-deliveries?correlationId=${u.scenarios[0]!.correlationId}`);
      const attempts = (log.body as { items: Array<{ status: number; error?: string }> }).items;
      assert.ok(attempts.length >= 1 && attempts.every((a) => a.status === 0), JSON.stringify(attempts));
      assert.match(attempts[0]!.error ?? '', /certificate|self.signed|issuer/i);
    } finally {
      await c.close();
    }

    // A key that does not go with the certificate, and a file that is not there.
    const mismatched = files('mismatched', { certPem: (await h.sandbox.issueCertificate()).certPem, keyPem: (await h.sandbox.issueCertificate()).keyPem });
    env.inbox = { tls: mismatched };
    await assert.rejects(h.run([SCENARIO]), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /environments\.sandbox\.inbox\.tls.*the key does not go with the certificate/s);
      return true;
    });
    env.inbox = { tls: { cert: join(dir, 'nowhere.crt'), key: mismatched.key } };
    await assert.rejects(h.run([SCENARIO]), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /environments\.sandbox\.inbox\.tls\.cert.*cannot read .*nowhere\.crt: ENOENT/s);
      return true;
    });
  } finally {
    env.inbox = {};
    await closeInboxes();
    await other.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
