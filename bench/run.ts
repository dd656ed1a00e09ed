/**
 * `npm run bench`: one table (section, metric, value, unit) from every bench module present. A
 * module that is missing or fails shows its error in the table instead of ending the run.
 */
type Row = { name: string; value: number | string; unit?: string };

const SECTIONS: Array<{ section: string; module: string; fn: string }> = [
  { section: 'engine', module: './engine.ts', fn: 'benchEngine' },
  { section: 'sink', module: './sink.ts', fn: 'benchSink' },
  { section: 'tls', module: './tls.ts', fn: 'benchTls' },
  { section: 'contracts', module: './contracts.ts', fn: 'benchContracts' },
  { section: 'scheduler', module: './scheduler.ts', fn: 'benchScheduler' },
];

const only = process.argv.slice(2);
const table: Array<[string, string, string, string]> = [];
for (const s of SECTIONS) {
  if (only.length && !only.includes(s.section)) continue;
  process.stderr.write(`bench: ${s.section}...\n`);
  try {
    const mod = (await import(s.module)) as Record<string, () => Promise<Row[]>>;
    const fn = mod[s.fn];
    if (typeof fn !== 'function') throw new Error(`${s.module} exports no ${s.fn}()`);
    for (const r of await fn()) table.push([s.section, r.name, String(r.value), r.unit ?? '']);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const msg = e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(s.module.slice(2)) ? 'not present' : `error: ${e.message.split('\n')[0]}`;
    table.push([s.section, '(section)', msg, '']);
  }
}

const header: [string, string, string, string] = ['section', 'metric', 'value', 'unit'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
process.stdout.write([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line)].join('\n') + '\n');
process.exit(0);
