import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUMER, HTTP_CONTRACTS, MESSAGE_CONTRACTS, PACTS_DIR, generatePacts, publishPacts } from '../../contracts/pact/consumer.ts';

interface PactDoc {
  consumer: { name: string };
  provider: { name: string };
  interactions: { type: string; description: string; providerStates?: { name: string }[] }[];
  metadata: { pactSpecification: { version: string } };
}
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as PactDoc;

test('consumer contracts regenerate the pact files; stale interactions and pacts do not survive', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-pact-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stale = (provider: string, consumer = CONSUMER): PactDoc => ({
    consumer: { name: consumer },
    provider: { name: provider },
    interactions: [{ type: 'Synchronous/HTTP', description: 'a stale interaction from an older contract' }],
    metadata: { pactSpecification: { version: '4.0' } },
  });
  writeFileSync(join(dir, `${CONSUMER}-erp.json`), JSON.stringify(stale('erp')));
  writeFileSync(join(dir, `${CONSUMER}-retired-api.json`), JSON.stringify(stale('retired-api')));
  writeFileSync(join(dir, 'another-consumer-erp.json'), JSON.stringify(stale('erp', 'another-consumer')));

  const files = await generatePacts(dir);
  assert.deepEqual(
    files.map((f) => f.slice(dir.length + 1)),
    [`${CONSUMER}-erp.json`, `${CONSUMER}-storefront.json`, `${CONSUMER}-wms-events.json`, `${CONSUMER}-wms.json`],
  );
  assert.ok(!existsSync(join(dir, `${CONSUMER}-retired-api.json`)), 'a pact of a provider no longer tested was left behind');
  assert.ok(existsSync(join(dir, 'another-consumer-erp.json')), "another consumer's pact must be left alone");
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no staging files left');

  const byProvider = new Map(files.map((f) => [read(f).provider.name, read(f)]));
  for (const doc of byProvider.values()) {
    assert.equal(doc.consumer.name, CONSUMER);
    assert.equal(doc.metadata.pactSpecification.version, '4.0');
    assert.ok(!doc.interactions.some((i) => i.description.includes('stale')), `stale interaction survived in ${doc.provider.name}`);
  }
  for (const system of ['erp', 'wms', 'storefront']) {
    const doc = byProvider.get(system)!;
    const expected = HTTP_CONTRACTS.filter((c) => c.system === system).map((c) => c.description).sort();
    assert.deepEqual(doc.interactions.map((i) => i.description).sort(), expected);
    assert.ok(doc.interactions.every((i) => i.type === 'Synchronous/HTTP'));
  }
  const erp = byProvider.get('erp')!;
  assert.deepEqual(
    erp.interactions.find((i) => i.description === 'on-hand of an item in a warehouse')!.providerStates!.map((s) => s.name),
    ['on-hand exists'],
  );
  const events = byProvider.get('wms-events')!;
  assert.deepEqual(events.interactions.map((i) => i.description).sort(), MESSAGE_CONTRACTS.map((m) => m.description).sort());
  assert.ok(events.interactions.every((i) => i.type === 'Asynchronous/Messages'));

  // The project's own pact files are these, published the same way.
  const ours = files.filter((f) => read(f).consumer.name === CONSUMER);
  const published = publishPacts(ours, PACTS_DIR);
  for (const f of published) {
    const fresh = ours.find((o) => o.endsWith(f.slice(f.lastIndexOf('/'))))!;
    assert.equal(readFileSync(f, 'utf8'), readFileSync(fresh, 'utf8'));
  }
});
