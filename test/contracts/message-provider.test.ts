import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { destinationOf } from '../../sandbox/wms/published.ts';
import { sandboxMessageProducer, type SandboxMessageProducer } from '../../sandbox/wms/message-producers.ts';
import { verifyMessageProviderIsolated, type MessageProducer, type ProducedMessage } from '../../src/contracts/verify-messages.ts';
import { DEFAULT_PACTS_DIR } from '../../src/contracts/verify.ts';
import { syncprobe as runSyncprobe } from '../support/cli.ts';

const ADJUSTMENT = 'an inventory adjustment published by a warehouse connector';
const SHIPMENT = 'a shipment confirmation returned by the WMS';
const OPTS = { provider: 'wms-events', producer: 'sandbox' };

let sb: Sandbox;
let produce: SandboxMessageProducer;
let scratch: string;

before(async () => {
  sb = await startSandbox({ latency: { defaultMs: 5 }, retry: { maxAttempts: 3, baseMs: 5 } });
  produce = sandboxMessageProducer(sb, { timeoutMs: 20_000 });
  scratch = mkdtempSync(join(tmpdir(), 'syncprobe-message-pacts-'));
});
after(async () => {
  await produce?.close();
  await sb?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The real producer's message, then changed the way a drifting producer release would. */
function drifted(change: Record<string, (m: ProducedMessage) => ProducedMessage>): MessageProducer {
  return async (description, states) => {
    const m = await produce(description, states);
    return change[description]?.(m) ?? m;
  };
}

/** The reversal the producer function posts after capturing the adjustment (its cleanup), once published. */
async function waitForReversal(correlationId: string) {
  for (let i = 0; i < 1000; i++) {
    const found = sb.published.recent({ correlationId, event: 'inventory-adjusted' }).find((e) => (e.content as { reason?: string }).reason === 'reversal');
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no reversal published under ${correlationId}`);
}

const cli = (args: string[]) => runSyncprobe(args);

test('destinationOf names the receiving service instead of its address', () => {
  const urls = { storefront: 'https://127.0.0.1:4001', middleware: 'https://127.0.0.1:4002', erp: 'https://127.0.0.1:4003', wms: '', notifications: '', oauth: '', edi: '' };
  const table: Array<[string, string, string]> = [
    ['POST', 'https://127.0.0.1:4002/events/inventory', 'POST {middleware}/events/inventory'],
    ['POST', 'https://127.0.0.1:4003/api/shipment-confirmations', 'POST {erp}/api/shipment-confirmations'],
    ['PUT', 'https://elsewhere.example/x', 'PUT https://elsewhere.example/x'],
  ];
  for (const [method, url, expected] of table) assert.equal(destinationOf(method, url, urls), expected, url);
});

test('the committed message pacts verify against the messages the sandbox WMS actually sent', async () => {
  const handed: Array<{ description: string; message: ProducedMessage }> = [];
  const doc = await verifyMessageProviderIsolated(OPTS, async (description, states) => {
    const message = await produce(description, states);
    handed.push({ description, message });
    return message;
  });
  assert.equal(doc.status, 'ok', JSON.stringify(doc.problems));
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.passed, 2);
  assert.equal(doc.failed, 0);
  assert.deepEqual(doc.pactFiles, [join(DEFAULT_PACTS_DIR, 'distribution-integration-wms-events.json')]);
  const byName = new Map(doc.interactions.map((i) => [i.description, i]));
  assert.deepEqual(byName.get(ADJUSTMENT)?.request, { method: 'POST', path: '{middleware}/events/inventory' });
  assert.deepEqual(byName.get(SHIPMENT)?.request, { method: 'POST', path: '{erp}/api/shipment-confirmations' });
  assert.ok(doc.interactions.every((i) => i.result === 'passed'));

  // What the verifier saw is what the producer put on the wire, and the receivers took it.
  assert.deepEqual(handed.map((h) => h.description).sort(), [ADJUSTMENT, SHIPMENT].sort());
  for (const { description, message } of handed) {
    const cid = (message.content as { correlationId: string }).correlationId;
    const event = description === ADJUSTMENT ? 'inventory-adjusted' : 'shipment-confirmed';
    // The adjustment's reversal (the cleanup) goes out under the same correlation id.
    const sent = sb.published.recent({ correlationId: cid, event }).filter((e) => (e.content as { reason?: string }).reason !== 'reversal');
    assert.equal(sent.length, 1, `${event} of ${cid} sent once`);
    assert.deepEqual(message.content, sent[0]!.content);
    assert.equal(sent[0]!.producer, 'wms');
    assert.ok(sent[0]!.status >= 200 && sent[0]!.status < 300, `${event} accepted by its receiver (HTTP ${sent[0]!.status})`);
    assert.deepEqual(message.metadata, { contentType: 'application/json', destination: sent[0]!.destination });
  }
  const adjustment = handed.find((h) => h.description === ADJUSTMENT)!.message.content as { correlationId: string; quantity: number; reference: string };
  assert.equal(adjustment.quantity, 5);
  assert.ok(adjustment.reference.startsWith(sb.marker.prefix), 'the adjustment carries the synthetic marker');
  const reversal = await waitForReversal(adjustment.correlationId);
  assert.equal((reversal.content as { quantity: number }).quantity, -5, 'the adjustment was reversed');
});

test('a producer that renames and retypes fields fails, naming the interaction and the JSON path', async () => {
  const doc = await verifyMessageProviderIsolated(
    OPTS,
    drifted({
      [ADJUSTMENT]: (m) => {
        const { quantity, ...rest } = m.content as Record<string, unknown>;
        return { ...m, content: { ...rest, qty: quantity } };
      },
      [SHIPMENT]: (m) => ({ ...m, content: { ...(m.content as Record<string, unknown>), asnNumber: 17 } }),
    }),
  );
  assert.equal(doc.status, 'critical');
  assert.equal(doc.passed, 0);
  assert.equal(doc.failed, 2);
  const byName = new Map(doc.interactions.map((i) => [i.description, i]));
  const adj = byName.get(ADJUSTMENT)!;
  assert.equal(adj.result, 'failed');
  assert.ok(
    adj.mismatches.some((m) => m.kind === 'body' && m.path === '$' && /missing the following keys: quantity/.test(m.message) && /"qty"/.test(m.actual ?? '')),
    JSON.stringify(adj.mismatches),
  );
  const ship = byName.get(SHIPMENT)!;
  assert.equal(ship.result, 'failed');
  assert.ok(ship.mismatches.some((m) => m.kind === 'body' && m.path === '$.asnNumber' && m.actual === '17' && m.expected === '"ASN-1"'), JSON.stringify(ship.mismatches));
  assert.deepEqual(doc.problems.map((p) => p.code), ['contract.mismatch', 'contract.mismatch']);
  const problem = doc.problems.find((p) => p.message.startsWith(SHIPMENT))!;
  assert.match(problem.message, /\(POST \{erp\}\/api\/shipment-confirmations\): body \$\.asnNumber: expected "ASN-1", actual 17/);
});

test('a message sent elsewhere fails on its metadata; a producer that publishes nothing fails with its reason alone', async () => {
  const doc = await verifyMessageProviderIsolated(OPTS, async (description, states) => {
    if (description === ADJUSTMENT) throw new Error('connector WH-EAST has no route to the middleware');
    const m = await produce(description, states);
    return { ...m, metadata: { ...m.metadata, destination: 'POST {erp}/api/asn' } };
  });
  assert.equal(doc.status, 'critical');
  const byName = new Map(doc.interactions.map((i) => [i.description, i]));
  const ship = byName.get(SHIPMENT)!;
  assert.equal(ship.result, 'failed');
  assert.ok(ship.mismatches.some((m) => m.kind === 'metadata' && m.path === 'destination' && /api\/asn/.test(m.actual ?? '')), JSON.stringify(ship.mismatches));
  assert.ok(!ship.mismatches.some((m) => m.kind === 'body'), 'the body itself still matches');
  const adj = byName.get(ADJUSTMENT)!;
  assert.equal(adj.result, 'failed');
  assert.deepEqual(adj.mismatches, [{ kind: 'other', message: 'the producer did not publish: connector WH-EAST has no route to the middleware' }]);
});

test('check contract --provider wms-events verifies the built-in sandbox producers (exit 0, one JSON document)', async () => {
  const r = await cli(['check', 'contract', '--provider', 'wms-events', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.status, 'ok');
  assert.equal(doc.provider, 'wms-events');
  assert.equal(doc.passed, 2);
  assert.equal(doc.failed, 0);
  assert.deepEqual(doc.problems, []);
  assert.match(r.stderr, /contract wms-events at built-in sandbox .*: OK — 2 of 2 interactions verified/);
});

test('check contract: a message pact the producer does not satisfy is exit 2 naming the interaction and the field', async () => {
  const pact = JSON.parse(readFileSync(join(DEFAULT_PACTS_DIR, 'distribution-integration-wms-events.json'), 'utf8'));
  const adj = pact.interactions.find((i: { description: string }) => i.description === ADJUSTMENT);
  adj.contents.content.uom = 'EA';
  const dir = join(scratch, 'uom');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'distribution-integration-wms-events.json'), JSON.stringify(pact));
  const r = await cli(['check', 'contract', '--provider', 'wms-events', '--pacts', dir, '--json']);
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.status, 'critical');
  assert.equal(doc.passed, 1);
  assert.equal(doc.failed, 1);
  assert.equal(doc.problems.length, 1);
  assert.equal(doc.problems[0].code, 'contract.mismatch');
  assert.match(doc.problems[0].message, new RegExp(`^${ADJUSTMENT} \\(POST \\{middleware\\}/events/inventory\\): body \\$: .*missing the following keys: uom`));
  assert.match(r.stderr, /CRITICAL — 1 of 2 interactions verified/);
});

test('check contract: message pacts with a --base-url are exit 3, saying they are verified against the producer', async () => {
  const r = await cli(['check', 'contract', '--provider', 'wms-events', '--base-url', 'https://wms.example.com', '--json']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--base-url: the pacts of 'wms-events' are message pacts: a message cannot be replayed against https:\/\/wms\.example\.com, it is verified against the producer/);
  assert.match(r.stderr, /verifyMessageProvider\(\)/);
  const flags = await cli(['check', 'contract', '--provider', 'wms-events', '--provider-states', 'https://x.example/states']);
  assert.equal(flags.code, 3);
  assert.match(flags.stderr, /--provider-states does not apply to message pacts/);
});
