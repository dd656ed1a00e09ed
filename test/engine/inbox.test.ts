import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { WebhookInbox, checkSignature, type WebhookRoute } from '../../src/http/inbox.ts';
import type { NormalizedRecord } from '../../src/http/records.ts';

/** The webhook inbox on a real loopback listener, posted to with real HTTP. */
const SECRET = 'inbox-test-secret-0123456789';
const route = (extra: Partial<WebhookRoute['spec']> = {}, secret?: string): WebhookRoute => ({
  system: 'notifications',
  name: 'sent',
  spec: { path: '/hooks/n', fields: { id: 'n.id', type: 'n.type', correlationId: 'n.correlationId', sentAt: { path: 'n.sentAt', type: 'time' } }, ...extra },
  ...(secret ? { secret } : {}),
});
const signed = { signature: { header: 'X-Sig', prefix: 'sha256=', secretEnv: 'HOOK_SECRET' } };
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function started(t: { after(fn: () => unknown): void }, routes: WebhookRoute[], opts: Partial<ConstructorParameters<typeof WebhookInbox>[0]> = {}) {
  const inbox = new WebhookInbox({ routes, ...opts });
  await inbox.start();
  t.after(() => inbox.stop());
  return inbox;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const note = (correlationId: string, type = 'order_shipped', id = 'NT-1') => ({ n: { id, type, correlationId, sentAt: '2026-12-04T08:00:00.000Z' } });
const shipped = (rs: NormalizedRecord[]) => rs.find((r) => r.type === 'order_shipped');
const never = () => new AbortController().signal;

test('a delivery that comes before the wait is kept for a transaction in flight, and the wait resolves at once with its arrival time', async (t) => {
  const inbox = await started(t, [route()]);
  inbox.expect('c-1');
  const before = Date.now();
  const r = await post(inbox.urlOf('notifications', 'sent')!, note('c-1'));
  assert.equal(r.status, 202);
  assert.deepEqual(r.body, { received: 1, kept: 1 });
  const d = await inbox.wait('notifications', 'sent', 'c-1', shipped, never());
  assert.equal(d.record.id, 'NT-1');
  assert.equal(d.record.sentAt, Date.parse('2026-12-04T08:00:00.000Z'));
  assert.ok(d.receivedAt >= before && d.receivedAt <= Date.now());
  assert.deepEqual(inbox.stats(), { received: 1, kept: 1, ignored: 0, refused: 0, dropped: 0 });
});

test('a wait sees every record so far: it resolves on the delivery its condition accepts, not on the first one', async (t) => {
  const inbox = await started(t, [route()]);
  inbox.expect('c-2');
  const url = inbox.urlOf('notifications', 'sent')!;
  const waiting = inbox.wait('notifications', 'sent', 'c-2', shipped, never());
  let settled = false;
  void waiting.then(() => (settled = true));
  await post(url, note('c-2', 'order_confirmed', 'NT-A'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, 'a confirmation does not prove the shipment notice');
  const sentAt = Date.now();
  await post(url, note('c-2', 'order_shipped', 'NT-B'));
  const d = await waiting;
  assert.equal(d.record.id, 'NT-B');
  assert.ok(d.receivedAt >= sentAt);
});

test('deliveries for transactions not in flight are answered 202 and not kept; release drops what was kept', async (t) => {
  const inbox = await started(t, [route()]);
  const url = inbox.urlOf('notifications', 'sent')!;
  const r = await post(url, note('someone-elses-order'));
  assert.equal(r.status, 202);
  assert.deepEqual(r.body, { received: 1, kept: 0 });
  inbox.expect('c-3');
  await post(url, note('c-3'));
  inbox.release('c-3');
  inbox.expect('c-3');
  const ctl = new AbortController();
  const w = inbox.wait('notifications', 'sent', 'c-3', shipped, ctl.signal);
  ctl.abort(new Error('over'));
  await assert.rejects(w, /over/);
  assert.equal(inbox.stats().ignored, 1);
});

test('the correlation id comes from the header when the payload has none', async (t) => {
  const inbox = await started(t, [route({ fields: { id: 'n.id', type: 'n.type' } })]);
  inbox.expect('c-h');
  await post(inbox.urlOf('notifications', 'sent')!, note('ignored-in-body'), { 'x-correlation-id': 'c-h' });
  const d = await inbox.wait('notifications', 'sent', 'c-h', shipped, never());
  assert.equal(d.record.id, 'NT-1');
});

test('a signed webhook: the right HMAC is accepted; a wrong or missing one is refused 401 and the refusal is kept for the transaction, without the secret', async (t) => {
  const inbox = await started(t, [route(signed, SECRET)]);
  const url = inbox.urlOf('notifications', 'sent')!;
  inbox.expect('c-ok');
  inbox.expect('c-bad');
  const good = JSON.stringify(note('c-ok'));
  assert.equal((await post(url, good, { 'x-sig': sign(good) })).status, 202);
  assert.equal((await inbox.wait('notifications', 'sent', 'c-ok', shipped, never())).record.id, 'NT-1');

  const bad = JSON.stringify(note('c-bad'));
  const r = await post(url, bad, { 'x-sig': sign(bad, 'another-secret-entirely') });
  assert.equal(r.status, 401);
  assert.match(String(r.body.error), /signature/);
  const missing = await post(url, bad);
  assert.equal(missing.status, 401);
  const refusals = inbox.refusalsFor('notifications', 'sent', 'c-bad');
  assert.equal(refusals.length, 2);
  assert.match(refusals[0]!, /does not match the shared secret.*X-Sig.*HOOK_SECRET/);
  assert.match(refusals[1]!, /signature header is missing/);
  for (const x of [...refusals, JSON.stringify(r.body)]) assert.ok(!x.includes(SECRET) && !x.includes(sign(bad).slice(7)), 'no secret or digest in what is said');
  // The refused delivery is not taken as the event.
  const ctl = new AbortController();
  const w = inbox.wait('notifications', 'sent', 'c-bad', shipped, ctl.signal);
  ctl.abort(new Error('none'));
  await assert.rejects(w, /none/);
  assert.equal(inbox.stats().refused, 2);
});

test('checkSignature: hex and base64, prefix, and each way it goes wrong', () => {
  const raw = Buffer.from('{"a":1}');
  const hex = createHmac('sha256', SECRET).update(raw).digest('hex');
  const b64 = createHmac('sha256', SECRET).update(raw).digest('base64');
  const sig = { header: 'x', secretEnv: 'S' };
  assert.equal(checkSignature(raw, hex, SECRET, sig), undefined);
  assert.equal(checkSignature(raw, b64, SECRET, { ...sig, encoding: 'base64' }), undefined);
  assert.equal(checkSignature(raw, `v1=${hex}`, SECRET, { ...sig, prefix: 'v1=' }), undefined);
  assert.match(checkSignature(raw, hex, SECRET, { ...sig, prefix: 'v1=' })!, /does not start with 'v1='/);
  assert.match(checkSignature(raw, hex.slice(2), SECRET, sig)!, /does not match/);
  assert.match(checkSignature(Buffer.from('{"a":2}'), hex, SECRET, sig)!, /does not match/);
  assert.match(checkSignature(raw, undefined, SECRET, sig)!, /missing/);
  assert.match(checkSignature(raw, hex, undefined, sig)!, /no signing secret/);
});

test('bad input: unknown path 404 naming the configured ones, GET 405, not JSON 400 (kept as a refusal), over 1 MiB 413', async (t) => {
  const inbox = await started(t, [route()]);
  inbox.expect('c-x');
  const base = inbox.url;
  const unknown = await post(`${base}/hooks/other`, note('c-x'));
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.body.error), /\/hooks\/other.*configured: \/hooks\/n/);
  const get = await fetch(`${base}/hooks/n`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const notJson = await post(`${base}/hooks/n`, '{"n": ', { 'x-correlation-id': 'c-x' });
  assert.equal(notJson.status, 400);
  assert.match(String(notJson.body.error), /not JSON/);
  assert.match(inbox.refusalsFor('notifications', 'sent', 'c-x')[0]!, /was not JSON/);
  const big = await fetch(`${base}/hooks/n`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 10) }).catch((e: Error) => e);
  if (!(big instanceof Error)) assert.equal(big.status, 413);
  assert.equal(inbox.stats().refused, 2);
});

test('retention: past maxDeliveries the oldest kept deliveries are dropped and counted', async (t) => {
  const inbox = await started(t, [route()], { maxDeliveries: 2 });
  const url = inbox.urlOf('notifications', 'sent')!;
  for (const c of ['r-1', 'r-2', 'r-3']) {
    inbox.expect(c);
    await post(url, note(c));
  }
  assert.equal(inbox.stats().dropped, 1);
  const ctl = new AbortController();
  const w = inbox.wait('notifications', 'sent', 'r-1', shipped, ctl.signal);
  ctl.abort(new Error('dropped'));
  await assert.rejects(w, /dropped/);
  assert.equal((await inbox.wait('notifications', 'sent', 'r-3', shipped, never())).record.correlationId, 'r-3');
});

test('validators see every webhook body with its schema; what they find comes with the delivery', async (t) => {
  const seen: string[] = [];
  const inbox = await started(t, [route({ schema: 'notifications/webhook' })], {
    validators: [
      (body, ctx) => {
        seen.push(`${ctx.system} ${ctx.method} ${ctx.path} ${ctx.schema}`);
        return (body as { n: { extra?: unknown } }).n.extra !== undefined ? [{ code: 'drift.new-field', message: 'new field /n/extra', breaking: false, pointer: '/n/extra' }] : [];
      },
    ],
  });
  inbox.expect('c-v');
  await post(inbox.urlOf('notifications', 'sent')!, { n: { ...note('c-v').n, extra: 1 } });
  const d = await inbox.wait('notifications', 'sent', 'c-v', shipped, never());
  assert.deepEqual(seen, ['notifications POST /hooks/n notifications/webhook']);
  assert.deepEqual(d.problems.map((p) => p.pointer), ['/n/extra']);
});

test('a condition that throws rejects the wait with its error', async (t) => {
  const inbox = await started(t, [route()]);
  inbox.expect('c-t');
  await post(inbox.urlOf('notifications', 'sent')!, note('c-t'));
  await assert.rejects(
    inbox.wait('notifications', 'sent', 'c-t', () => {
      throw new Error('condition broke');
    }, never()),
    /condition broke/,
  );
});
