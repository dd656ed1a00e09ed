import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact, redactDeep } from '../../core/redact.ts';
import { parseCommandArgs, printJson } from '../args.ts';
import { applyConfigTargets, applyTargetOverrides, computeKpis, DEFAULT_TARGETS, KPI_NAMES, renderKpiMarkdown, type KpiName } from '../../kpi/index.ts';

const USAGE = 'usage: syncprobe kpi [--influx URL | --config F] [--env E] [--since 24h] [--kpi NAME]... [--target SECTION.FIELD=VALUE]... [--json]';

/** `syncprobe kpi`: the DESIGN.md KPIs over a window from InfluxDB; the exit code is the worst verdict. */
export default async function kpiCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('kpi', argv, {
    influx: { type: 'string' },
    config: { type: 'string' },
    env: { type: 'string' },
    since: { type: 'string', default: '24h' },
    kpi: { type: 'string', multiple: true },
    target: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  });
  const only = (values.kpi ?? []).map((k) => {
    if (!(KPI_NAMES as readonly string[]).includes(k)) throw new UsageError(`unknown KPI '${k}'`, '--kpi', `known: ${KPI_NAMES.join(', ')}`);
    return k as KpiName;
  });
  // The config's targets (kpi.targets) over the defaults, then the flags over both.
  const { loadConfig } = await import('../../engine/index.ts');
  const loaded = await loadConfig(values.config, { skipScenarioFiles: true });
  const targets = applyTargetOverrides(applyConfigTargets(DEFAULT_TARGETS, loaded.config.kpi?.targets, `${loaded.file}: kpi.targets`), values.target ?? []);
  let influx = values.influx;
  let where = '--influx';
  if (!influx) {
    influx = loaded.config.sinks?.influx;
    where = `${loaded.file}: sinks.influx`;
    if (!influx) throw new UsageError('no InfluxDB to read from', '--influx', `give --influx http://host:8086/DATABASE or set sinks.influx in ${loaded.file}\n  ${USAGE}`);
  }
  const report = redactDeep(await computeKpis({ influx, where, since: values.since, only, targets, ...(values.env !== undefined ? { env: values.env } : {}) }));
  if (values.json) printJson(report);
  process.stderr.write(redact(report.kpis.length ? renderKpiMarkdown(report) : `KPIs: ${report.status}: ${report.problems.map((p) => p.message).join('; ')}\n`));
  return EXIT_CODE[report.status];
}
