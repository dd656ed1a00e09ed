import type { ConfigProblem } from './errors.ts';
import type { LookupSpec, SyncprobeConfig, WebhookSpec } from './types.ts';
import type { ScenarioDefinition } from '../engine/types.ts';

/**
 * Pure validation: every problem is collected (file, field, what is expected), nothing is thrown.
 * Checks that need the environment (env vars, files) live in the loader and the resolver.
 */
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPosNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

function checkUrl(v: unknown): string | undefined {
  if (!isStr(v)) return 'expected a URL string such as https://erp.example.com';
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return `expected an http(s) URL, got protocol ${u.protocol}`;
  } catch {
    return `'${v}' is not a valid URL; expected e.g. https://erp.example.com`;
  }
  return undefined;
}

function checkNumbers(obj: unknown, field: string, file: string, out: ConfigProblem[], what: string): void {
  if (obj === undefined) return;
  if (!isObj(obj)) {
    out.push({ file, field, message: `expected an object of ${what}` });
    return;
  }
  for (const [k, v] of Object.entries(obj)) if (!isPosNum(v)) out.push({ file, field: `${field}.${k}`, message: `expected a positive number (${what}), got ${JSON.stringify(v)}` });
}

/** How records are read from a body (a lookup's answer, a webhook's delivery): items, fields, lines. */
function checkRecordMap(spec: Partial<Pick<LookupSpec, 'items' | 'fields' | 'lines'>>, field: string, file: string, out: ConfigProblem[], say: { items: string; fields: string }): void {
  if (spec.items !== undefined && typeof spec.items !== 'string') out.push({ file, field: `${field}.items`, message: `expected a dot path to the array of records, e.g. '${say.items}'` });
  if (!isObj(spec.fields)) out.push({ file, field: `${field}.fields`, message: `expected an object mapping field names to paths in the payload${say.fields}` });
  else checkFields(spec.fields, `${field}.fields`, file, out);
  if (spec.lines !== undefined) {
    if (!isObj(spec.lines) || !isStr(spec.lines.path) || !isObj(spec.lines.fields)) out.push({ file, field: `${field}.lines`, message: 'expected { path, fields }' });
    else checkFields(spec.lines.fields, `${field}.lines.fields`, file, out);
  }
}

function checkLookup(l: unknown, field: string, file: string, out: ConfigProblem[]): void {
  if (!isObj(l)) {
    out.push({ file, field, message: 'expected a lookup { path, fields, items? }' });
    return;
  }
  const lk = l as Partial<LookupSpec>;
  if (!isStr(lk.path) || !lk.path.startsWith('/')) out.push({ file, field: `${field}.path`, message: "expected a path starting with '/', e.g. '/api/sales-orders'" });
  if (lk.method !== undefined && lk.method !== 'GET' && lk.method !== 'POST') out.push({ file, field: `${field}.method`, message: "expected 'GET' or 'POST'" });
  checkRecordMap(lk, field, file, out, { items: 'items', fields: '' });
  if (lk.query !== undefined && (!isObj(lk.query) || Object.values(lk.query).some((v) => typeof v !== 'string')))
    out.push({ file, field: `${field}.query`, message: "expected an object of string templates, e.g. { externalReference: '{reference}' }" });
}

function checkWebhook(w: unknown, field: string, file: string, out: ConfigProblem[]): void {
  if (!isObj(w)) {
    out.push({ file, field, message: "expected a webhook { path, fields, signature?, subscribe? }" });
    return;
  }
  const wh = w as Partial<WebhookSpec>;
  if (!isStr(wh.path) || !wh.path.startsWith('/')) out.push({ file, field: `${field}.path`, message: "expected the path on the inbox, starting with '/', e.g. '/hooks/notifications'" });
  checkRecordMap(wh, field, file, out, { items: 'events', fields: ' (correlationId ties a delivery to its transaction)' });
  if (wh.correlationHeader !== undefined && !isStr(wh.correlationHeader)) out.push({ file, field: `${field}.correlationHeader`, message: 'expected a header name, e.g. X-Correlation-Id' });
  if (wh.signature !== undefined) {
    const sg = wh.signature as unknown as Record<string, unknown>;
    if (!isObj(sg) || !isStr(sg.header)) out.push({ file, field: `${field}.signature.header`, message: 'expected the name of the header that carries the HMAC-SHA256 signature' });
    if (!isObj(sg) || !isStr(sg.secretEnv) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(sg.secretEnv))
      out.push({ file, field: `${field}.signature.secretEnv`, message: 'expected the NAME of the environment variable holding the signing secret (never the secret itself)' });
    if (isObj(sg) && sg.encoding !== undefined && sg.encoding !== 'hex' && sg.encoding !== 'base64') out.push({ file, field: `${field}.signature.encoding`, message: "expected 'hex' or 'base64'" });
  }
  if (wh.subscribe !== undefined) {
    const sb = wh.subscribe as unknown as Record<string, unknown>;
    if (!isObj(sb) || !isStr(sb.path) || !sb.path.startsWith('/') || !isObj(sb.body))
      out.push({ file, field: `${field}.subscribe`, message: "expected { path: '/api/webhooks', body: { url: '{url}', ... }, idField?, unsubscribePath? }" });
    else if (!JSON.stringify(sb.body).includes('{url}')) out.push({ file, field: `${field}.subscribe.body`, message: "expected '{url}' somewhere in the body: the inbox URL the system is to post to" });
  }
}

function checkFields(fields: Record<string, unknown>, field: string, file: string, out: ConfigProblem[]): void {
  for (const [k, v] of Object.entries(fields)) {
    if (isStr(v)) continue;
    if (isObj(v) && isStr(v.path) && (v.type === undefined || ['string', 'number', 'time'].includes(v.type as string))) continue;
    out.push({ file, field: `${field}.${k}`, message: "expected a path string or { path, type?: 'string'|'number'|'time', map? }" });
  }
}

export function validateConfig(raw: unknown, file: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!isObj(raw)) return [{ file, field: '(default export)', message: 'expected `export default defineConfig({...})`' }];
  const c = raw as Partial<SyncprobeConfig>;
  if (!isObj(c.environments) || Object.keys(c.environments).length === 0) {
    out.push({ file, field: 'environments', message: 'expected at least one environment, e.g. { sandbox: { sandbox: {}, systems: {...} } }' });
  } else {
    for (const [envName, env] of Object.entries(c.environments)) {
      const ef = `environments.${envName}`;
      if (!isObj(env)) {
        out.push({ file, field: ef, message: 'expected { systems: {...} }' });
        continue;
      }
      const embedded = env.sandbox !== undefined;
      if (embedded && !isObj(env.sandbox)) out.push({ file, field: `${ef}.sandbox`, message: "expected { erpVersion?: 'v1'|'v2', latencyMs? }" });
      if (isObj(env.sandbox) && env.sandbox.erpVersion !== undefined && env.sandbox.erpVersion !== 'v1' && env.sandbox.erpVersion !== 'v2')
        out.push({ file, field: `${ef}.sandbox.erpVersion`, message: `expected 'v1' or 'v2', got ${JSON.stringify(env.sandbox.erpVersion)}` });
      if (!isObj(env.systems) || Object.keys(env.systems).length === 0) {
        out.push({ file, field: `${ef}.systems`, message: 'expected the systems of this environment, e.g. { erp: { baseUrl, auth, lookups } }' });
        continue;
      }
      for (const [sysName, sys] of Object.entries(env.systems)) {
        const sf = `${ef}.systems.${sysName}`;
        if (!isObj(sys)) {
          out.push({ file, field: sf, message: 'expected { baseUrl, auth?, ca?, lookups? }' });
          continue;
        }
        if (sys.baseUrl !== undefined || !embedded) {
          const bad = checkUrl(sys.baseUrl);
          if (bad) out.push({ file, field: `${sf}.baseUrl`, message: sys.baseUrl === undefined ? 'missing: expected the base URL of the system (only embedded sandbox environments may leave it out)' : bad });
        }
        if (sys.auth !== undefined) {
          const a = sys.auth as unknown as Record<string, unknown>;
          if (!isObj(a) || (a.type !== 'oauth2-client-credentials' && a.type !== 'none')) {
            out.push({ file, field: `${sf}.auth.type`, message: "expected 'oauth2-client-credentials' or 'none'" });
          } else if (a.type === 'oauth2-client-credentials') {
            if (!isStr(a.clientId)) out.push({ file, field: `${sf}.auth.clientId`, message: 'expected the OAuth client id' });
            if (!isStr(a.clientSecretEnv) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.clientSecretEnv))
              out.push({ file, field: `${sf}.auth.clientSecretEnv`, message: 'expected the NAME of the environment variable holding the client secret (never the secret itself)' });
            if (a.issuer === undefined && a.tokenUrl === undefined && !embedded) out.push({ file, field: `${sf}.auth`, message: 'expected issuer (discovery) or tokenUrl' });
            for (const k of ['issuer', 'tokenUrl'] as const) if (a[k] !== undefined && checkUrl(a[k])) out.push({ file, field: `${sf}.auth.${k}`, message: checkUrl(a[k])! });
          }
        }
        if (sys.ca !== undefined && !isStr(sys.ca)) out.push({ file, field: `${sf}.ca`, message: 'expected the path of a PEM CA bundle' });
        if (sys.requestTimeoutMs !== undefined && !isPosNum(sys.requestTimeoutMs)) out.push({ file, field: `${sf}.requestTimeoutMs`, message: 'expected a positive number of ms' });
        if (sys.budget !== undefined) checkNumbers(sys.budget, `${sf}.budget`, file, out, 'requestsPerSecond, burst, maxConcurrent');
        if (sys.lookups !== undefined) {
          if (!isObj(sys.lookups)) out.push({ file, field: `${sf}.lookups`, message: 'expected an object of named lookups' });
          else for (const [ln, l] of Object.entries(sys.lookups)) checkLookup(l, `${sf}.lookups.${ln}`, file, out);
        }
        if (sys.webhooks !== undefined) {
          if (!isObj(sys.webhooks)) out.push({ file, field: `${sf}.webhooks`, message: 'expected an object of named webhooks' });
          else for (const [wn, w] of Object.entries(sys.webhooks)) checkWebhook(w, `${sf}.webhooks.${wn}`, file, out);
        }
      }
      checkNumbers(env.sla, `${ef}.sla`, file, out, 'SLA in ms by milestone name');
      checkNumbers(env.polling, `${ef}.polling`, file, out, 'polling settings in ms');
      if (env.inbox !== undefined) {
        const ib = env.inbox as unknown as Record<string, unknown>;
        if (!isObj(ib)) out.push({ file, field: `${ef}.inbox`, message: 'expected { host?, port?, publicUrl?, retainMs?, maxDeliveries? }' });
        else {
          if (ib.host !== undefined && !isStr(ib.host)) out.push({ file, field: `${ef}.inbox.host`, message: "expected an address to listen on, e.g. '0.0.0.0'" });
          if (ib.port !== undefined && (typeof ib.port !== 'number' || !Number.isInteger(ib.port) || ib.port < 0 || ib.port > 65535)) out.push({ file, field: `${ef}.inbox.port`, message: 'expected a port number 0..65535 (0: any free port)' });
          if (ib.publicUrl !== undefined && checkUrl(ib.publicUrl)) out.push({ file, field: `${ef}.inbox.publicUrl`, message: checkUrl(ib.publicUrl)! });
          for (const k of ['retainMs', 'maxDeliveries'] as const) if (ib[k] !== undefined && !isPosNum(ib[k])) out.push({ file, field: `${ef}.inbox.${k}`, message: 'expected a positive number' });
          if (ib.tls !== undefined && (!isObj(ib.tls) || !isStr(ib.tls.cert) || !isStr(ib.tls.key)))
            out.push({ file, field: `${ef}.inbox.tls`, message: "expected { cert: 'path/to/cert.pem', key: 'path/to/key.pem' }" });
        }
      }
    }
    if (c.defaultEnvironment !== undefined && !(c.defaultEnvironment in c.environments))
      out.push({ file, field: 'defaultEnvironment', message: `'${c.defaultEnvironment}' is not one of the environments (${Object.keys(c.environments).join(', ')})` });
  }
  checkNumbers(c.sla, 'sla', file, out, 'SLA in ms by milestone name');
  checkNumbers(c.polling, 'polling', file, out, 'polling settings in ms');
  checkNumbers(c.timeouts, 'timeouts', file, out, 'timeouts in ms');
  if (c.marker !== undefined) {
    if (!isObj(c.marker)) out.push({ file, field: 'marker', message: 'expected { customer, referencePrefix }' });
    else {
      if (c.marker.customer !== undefined && !isStr(c.marker.customer)) out.push({ file, field: 'marker.customer', message: 'expected a non-empty string' });
      if (c.marker.referencePrefix !== undefined && !isStr(c.marker.referencePrefix)) out.push({ file, field: 'marker.referencePrefix', message: 'expected a non-empty string' });
    }
  }
  if (c.scenarios !== undefined && !isStr(c.scenarios) && !(Array.isArray(c.scenarios) && c.scenarios.every(isStr)))
    out.push({ file, field: 'scenarios', message: 'expected a directory or a list of scenario files' });
  if (c.clockSkewToleranceMs !== undefined && !(typeof c.clockSkewToleranceMs === 'number' && c.clockSkewToleranceMs >= 0))
    out.push({ file, field: 'clockSkewToleranceMs', message: 'expected a number of ms >= 0' });
  if (c.kpi !== undefined) {
    const k = c.kpi as unknown;
    if (!isObj(k)) out.push({ file, field: 'kpi', message: 'expected { targets: { SECTION: { FIELD: VALUE } } }' });
    else if (k.targets !== undefined) {
      if (!isObj(k.targets)) out.push({ file, field: 'kpi.targets', message: 'expected { SECTION: { FIELD: VALUE } }, e.g. { orderCreated: { min: 90 } }' });
      else
        for (const [section, fields] of Object.entries(k.targets)) {
          if (!isObj(fields)) out.push({ file, field: `kpi.targets.${section}`, message: 'expected an object of fields, e.g. { min: 90 }' });
          else for (const [f, v] of Object.entries(fields)) if (typeof v !== 'number' && typeof v !== 'string') out.push({ file, field: `kpi.targets.${section}.${f}`, message: 'expected a number (or a milestone name)' });
        }
    }
  }
  if (c.sinks?.influx !== undefined && checkUrl(c.sinks.influx)) out.push({ file, field: 'sinks.influx', message: 'expected an InfluxDB URL with the database in the path, e.g. http://127.0.0.1:8086/syncprobe' });
  return out;
}

/** Structural checks of one scenario; references to systems and lookups are checked per environment at run time. */
export function validateScenario(raw: unknown, file: string, slaDefaults: Record<string, number>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!isObj(raw)) return [{ file, field: '(export)', message: 'expected defineScenario({ name, steps, milestones })' }];
  const s = raw as Partial<ScenarioDefinition>;
  const sf = `scenario ${isStr(s.name) ? s.name : '(unnamed)'}`;
  if (!isStr(s.name)) out.push({ file, field: 'name', message: 'expected a scenario name' });
  if (!Array.isArray(s.steps)) out.push({ file, field: `${sf}.steps`, message: 'expected an array of steps { name, system, run }' });
  else
    s.steps.forEach((st, i) => {
      if (!isObj(st) || !isStr(st.name) || !isStr(st.system) || typeof st.run !== 'function')
        out.push({ file, field: `${sf}.steps[${i}]`, message: 'expected { name, system, run(ctx) }' });
    });
  if (!Array.isArray(s.milestones) || s.milestones.length === 0) {
    out.push({ file, field: `${sf}.milestones`, message: 'expected at least one milestone' });
  } else {
    const seen = new Set<string>();
    s.milestones.forEach((m, i) => {
      const mf = `${sf}.milestones[${i}]${isObj(m) && isStr(m.name) ? ` (${m.name})` : ''}`;
      if (!isObj(m) || !isStr(m.name) || !isStr(m.system)) {
        out.push({ file, field: mf, message: 'expected { name, system, poll | push | markedByStep }' });
        return;
      }
      if (seen.has(m.name)) out.push({ file, field: `${mf}.name`, message: `duplicate milestone name '${m.name}'` });
      const ways = [m.poll !== undefined, m.push !== undefined, m.markedByStep === true].filter(Boolean).length;
      if (ways === 0) out.push({ file, field: mf, message: 'expected how to observe it: poll { lookup, params, until }, push { webhook, until } | { wait } or markedByStep' });
      if (m.push !== undefined) {
        const p = m.push as unknown as Record<string, unknown>;
        const byWebhook = isObj(p) && isStr(p.webhook) && typeof p.until === 'function';
        const byWait = isObj(p) && typeof p.wait === 'function' && p.webhook === undefined;
        if (!byWebhook && !byWait) out.push({ file, field: `${mf}.push`, message: 'expected { webhook: name of a webhook of the system, until(records, ctx) } or { wait(ctx, signal) }' });
      }
      if (m.poll !== undefined && (!isObj(m.poll) || !isStr(m.poll.lookup) || typeof m.poll.params !== 'function' || typeof m.poll.until !== 'function'))
        out.push({ file, field: `${mf}.poll`, message: 'expected { lookup: name of a lookup of the system, params(ctx), until(records, ctx) }' });
      for (const ref of ['from', 'after'] as const) {
        const v = m[ref];
        if (v !== undefined && !seen.has(v)) out.push({ file, field: `${mf}.${ref}`, message: `'${v}' is not an earlier milestone of this scenario` });
      }
      if (i > 0 && !(m.markedByStep === true && m.from === undefined)) {
        const sla = m.slaMs ?? slaDefaults[m.name];
        if (!isPosNum(sla)) out.push({ file, field: `${mf}.slaMs`, message: `no SLA: set slaMs or a default in the config's sla['${m.name}']` });
      }
      seen.add(m.name);
    });
  }
  if (s.cleanup !== undefined && !Array.isArray(s.cleanup)) out.push({ file, field: `${sf}.cleanup`, message: 'expected an array of cleanup steps' });
  if (Array.isArray(s.steps) && Array.isArray(s.milestones)) {
    const names = new Set(s.milestones.filter(isObj).map((m) => m.name));
    s.steps.forEach((st, i) => {
      const a = isObj(st) ? (st as { afterMilestone?: unknown }).afterMilestone : undefined;
      if (a !== undefined && !names.has(a as string)) out.push({ file, field: `${sf}.steps[${i}].afterMilestone`, message: `'${String(a)}' is not a milestone of this scenario` });
    });
  }
  return out;
}
