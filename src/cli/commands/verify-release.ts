import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact } from '../../core/redact.ts';
import { numberFlag, parseCommandArgs, printJson } from '../args.ts';
import { loadConfig, resolveSystems, runScenarios, type LoadedConfig } from '../../engine/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../environments.ts';
import { DEFAULT_CONTRACTS_DIR, SchemaRegistry } from '../../contracts/schemas.ts';
import { loadOpenApi } from '../../contracts/openapi.ts';
import { diffSpecs, pathTemplates } from '../../contracts/spec-diff.ts';
import { usageFromContracts } from '../../contracts/usage.ts';
import { isHttpInteraction, loadPactDir, type PactFile } from '../../contracts/pacts.ts';
import { DEFAULT_PACTS_DIR, unreachableReason, verifyProvidersIsolated, type ContractDocument, type VerifyOptions } from '../../contracts/verify.ts';
import { createSchemaValidator } from '../../contracts/validator.ts';
import { decideRelease, DEFAULT_THRESHOLDS, type ReleaseInputs } from '../../contracts/release.ts';
import { buildReport, writeReports } from '../../contracts/release-report.ts';
import { contractVerificationPoint, driftPoints, specChangePoints } from '../../contracts/points.ts';
import type { Point } from '../../core/outputs.ts';
import { writePoints } from './check-contract.ts';

const USAGE =
  'usage: syncprobe verify-release --baseline ENV --candidate ENV [--config F] [--out DIR] [--pacts DIR] [--max-regression 0.2] [--min-delta-ms 250] [--repeat N] [--scenario S]... [--tag T]... [--influx URL] [--json]';

/**
 * The OpenAPI document of a system in an environment: the system's `settings.openapi` (relative to
 * the config file), or by convention contracts/openapi/<system>-<settings.version>.yaml, then
 * contracts/openapi/<system>.yaml. A document named in the config must exist and parse.
 */
export function specDocFor(loaded: LoadedConfig, environment: string, system: string): string | undefined {
  const sys = loaded.config.environments[environment]?.systems[system];
  const settings = (sys?.settings ?? {}) as { openapi?: unknown; version?: unknown };
  if (typeof settings.openapi === 'string') {
    const file = resolve(loaded.dir, settings.openapi);
    if (!existsSync(file)) throw new UsageError(`the OpenAPI document ${file} does not exist`, `${loaded.file}: environments.${environment}.systems.${system}.settings.openapi`);
    return file;
  }
  const dir = join(DEFAULT_CONTRACTS_DIR, 'openapi');
  const candidates = [typeof settings.version === 'string' ? join(dir, `${system}-${settings.version}.yaml`) : undefined, join(dir, `${system}.yaml`)];
  return candidates.find((f): f is string => !!f && existsSync(f));
}

function specDiffsFor(loaded: LoadedConfig, baseline: string, candidate: string, registry: SchemaRegistry, pacts: PactFile[]): ReleaseInputs['specDiffs'] {
  const out: ReleaseInputs['specDiffs'] = [];
  const systems = Object.keys(loaded.config.environments[candidate]!.systems).filter((s) => s in loaded.config.environments[baseline]!.systems);
  for (const system of systems.sort()) {
    const b = specDocFor(loaded, baseline, system);
    const c = specDocFor(loaded, candidate, system);
    if (!b || !c) continue;
    const bDoc = loadOpenApi(b);
    const cDoc = loadOpenApi(c);
    const usage = usageFromContracts({ system, registry, pacts, templates: pathTemplates(bDoc) });
    out.push({ system, baselineDoc: relative(b), candidateDoc: relative(c), diff: diffSpecs(bDoc, cDoc, usage) });
  }
  return out;
}

function relative(file: string): string {
  const root = resolve(DEFAULT_CONTRACTS_DIR, '..') + '/';
  return file.startsWith(root) ? file.slice(root.length) : file;
}

async function verifyContracts(loaded: LoadedConfig, env: string, prepared: PreparedEnvironment, pacts: PactFile[], pactsDir: string, log: (s: string) => void): Promise<ContractDocument[]> {
  const providers = [...new Set(pacts.filter((p) => p.interactions.some(isHttpInteraction)).map((p) => p.provider))].sort();
  const { systems } = resolveSystems(loaded, env, prepared.systemsOverride);
  const list: VerifyOptions[] = [];
  for (const provider of providers) {
    const sys = systems.get(provider);
    if (!sys) continue;
    const statesFromConfig = (sys.settings as { providerStatesUrl?: unknown } | undefined)?.providerStatesUrl;
    const providerStatesUrl = typeof statesFromConfig === 'string' ? statesFromConfig : prepared.sandbox ? `${prepared.sandbox.admin}/provider-states` : undefined;
    log(`verifying the pacts of ${provider} against ${sys.baseUrl}`);
    list.push({
      provider,
      baseUrl: sys.baseUrl,
      pactsDir,
      ...(sys.caPem ? { caPem: sys.caPem } : {}),
      ...(sys.auth ? { auth: sys.auth } : {}),
      ...(providerStatesUrl ? { providerStatesUrl } : {}),
    });
  }
  const docs = await verifyProvidersIsolated(list);
  for (const doc of docs) {
    const unreachable = doc.problems.find((p) => p.code === 'contract.unreachable');
    if (unreachable) throw new UsageError(`the candidate cannot be reached: ${unreachable.message}`, `${env}: ${doc.baseUrl}`, 'start the candidate environment or fix its baseUrl');
  }
  return docs;
}

export default async function verifyReleaseCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('verify-release', argv, {
    baseline: { type: 'string' },
    candidate: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    pacts: { type: 'string' },
    'max-regression': { type: 'string' },
    'min-delta-ms': { type: 'string' },
    repeat: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    influx: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.baseline) throw new UsageError('--baseline is required (the environment in production today)', '--baseline', USAGE);
  if (!values.candidate) throw new UsageError('--candidate is required (the environment with the vendor release)', '--candidate', USAGE);
  const thresholds = {
    maxRegression: numberFlag('max-regression', values['max-regression'], DEFAULT_THRESHOLDS.maxRegression, { min: 0 }),
    minDeltaMs: numberFlag('min-delta-ms', values['min-delta-ms'], DEFAULT_THRESHOLDS.minDeltaMs, { min: 0 }),
  };
  const repeat = numberFlag('repeat', values.repeat, 1, { min: 1, integer: true });
  const log = (s: string) => process.stderr.write(redact(`verify-release: ${s}\n`));
  const started = Date.now();
  const startedAt = new Date(started).toISOString();

  const loaded = await loadConfig(values.config);
  for (const [flag, env] of [['--baseline', values.baseline], ['--candidate', values.candidate]] as const) {
    if (!loaded.config.environments[env]) throw new UsageError(`no environment '${env}'`, flag, `environments in ${loaded.file}: ${Object.keys(loaded.config.environments).join(', ')}`);
  }
  const pactsDir = values.pacts ? resolve(values.pacts) : DEFAULT_PACTS_DIR;
  const pacts = loadPactDir(pactsDir);
  const registry = SchemaRegistry.load();

  log(`comparing the API documents of ${values.baseline} and ${values.candidate}`);
  const specDiffs = specDiffsFor(loaded, values.baseline, values.candidate, registry, pacts);
  const same = values.baseline === values.candidate;
  const notes: string[] = [];
  const points: Point[] = [];
  if (same) notes.push('baseline and candidate are the same environment: one scenario run serves as both');

  // The candidate first: an unreachable one ends the verification before anything else starts.
  const cand = await prepareEnvironment(loaded, values.candidate);
  let base: PreparedEnvironment | undefined;
  let inputs: ReleaseInputs;
  try {
    const { systems: candidateSystems } = resolveSystems(loaded, values.candidate, cand.systemsOverride);
    for (const sys of candidateSystems.values()) {
      const why = await unreachableReason(sys.baseUrl, sys.caPem);
      if (why) throw new UsageError(`the candidate's ${sys.name} cannot be reached at ${sys.baseUrl}: ${why}`, `${values.candidate}: ${sys.baseUrl}`, 'start the candidate environment or fix its baseUrl');
    }
    base = same ? cand : await prepareEnvironment(loaded, values.baseline);
    const run = async (env: string, prepared: PreparedEnvironment) => {
      log(`running the scenarios on ${env}`);
      const validators = [createSchemaValidator(registry, { onFindings: (f, ctx) => points.push(...driftPoints(f, { api: ctx.system, env, where: `${ctx.method} ${ctx.path}` })) })];
      return runScenarios({ config: loaded, environment: env, scenarios: values.scenario, tags: values.tag, systemsOverride: prepared.systemsOverride, validators, repeat });
    };
    const baselineRun = await run(values.baseline, base);
    if (baselineRun.scenarios.length === 0) throw new UsageError('no scenario matches', values.scenario?.length ? '--scenario' : '--tag');
    const candidateRun = same ? baselineRun : await run(values.candidate, cand);
    // Last: provider states change the provider's data (on-hand, orders), which the scenarios must not see.
    const contracts = await verifyContracts(loaded, values.candidate, cand, pacts, pactsDir, log);
    inputs = { specDiffs, contracts, baseline: baselineRun, candidate: candidateRun, thresholds };
  } finally {
    await cand.stop();
    if (base && base !== cand) await base.stop();
  }

  const decision = decideRelease(inputs);
  const report = buildReport(inputs, decision, { baseline: values.baseline, candidate: values.candidate, startedAt, durationMs: Date.now() - started, notes });
  const outDir = resolve(values.out ?? join('out', 'verify-release'));
  const files = await writeReports(report, outDir);
  if (values.json) printJson(report);
  const now = Date.now();
  points.push(...inputs.contracts.map((c) => contractVerificationPoint(c, values.candidate!, now)));
  for (const d of inputs.specDiffs) points.push(...specChangePoints(d.system, [...d.diff.breaking, ...d.diff.compatible], values.candidate, now));
  await writePoints(values.influx, points);
  const lines = [
    `verify-release ${values.candidate} against ${values.baseline}: ${decision.decision.toUpperCase()} (${decision.reasons.length} reason(s), ${decision.warnings.length} warning(s))`,
    ...decision.reasons.map((r) => `  ✗ [${r.category}] ${r.subject}: ${r.message}`),
    `  reports: ${files.markdown}, ${files.junit}, ${files.json}`,
  ];
  process.stderr.write(redact(lines.join('\n') + '\n'));
  return decision.decision === 'go' ? EXIT_CODE.ok : EXIT_CODE.critical;
}
