import { UsageError } from '../src/core/errors.ts';
import { CHANNELS, WAREHOUSES } from './catalog.ts';
import { EDI_FAULTS } from './edi/faults.ts';

/**
 * Fault injection: the catalogue of faults, the parsing and validation of their values (pure), and
 * the run-time switchboard the services consult. Scoped faults (per channel, warehouse or service)
 * can be active for several scopes at once; setting a scope again replaces its value.
 */
export const HTTP_SERVICES = ['storefront', 'middleware', 'erp', 'wms', 'notifications'] as const;

export interface ActiveFault {
  name: string;
  /** The value as given, e.g. "erp:0.5"; undefined for switch faults. */
  value?: string;
  /** Channel, warehouse or service the fault applies to. */
  scope?: string;
  ms?: number;
  rate?: number;
  days?: number;
}

interface FaultDef {
  value: string;
  effect: string;
  parse(raw: string | undefined): Omit<ActiveFault, 'name' | 'value'>;
}

const oneOf = (what: string, allowed: readonly string[]) => (raw: string | undefined) => {
  if (raw === undefined || !allowed.includes(raw)) throw new Error(`expects ${what} (${allowed.join('|')}), got ${raw === undefined ? 'no value' : `'${raw}'`}`);
  return raw;
};
const none = (raw: string | undefined) => {
  if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'on') throw new Error(`takes no value, got '${raw}'`);
  return {};
};
const scopedNumber = (scopeWhat: string, allowed: readonly string[], numWhat: string, check: (n: number) => boolean) => (raw: string | undefined) => {
  const m = raw?.match(/^([^:]+):(.+)$/);
  if (!m) throw new Error(`expects ${scopeWhat}:${numWhat}, got ${raw === undefined ? 'no value' : `'${raw}'`}`);
  const scope = oneOf(scopeWhat, allowed)(m[1]);
  const n = Number(m[2]);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`expects ${scopeWhat}:${numWhat}, got '${raw}'`);
  return { scope, n };
};

export const FAULTS: Record<string, FaultDef> = {
  'channel.drop': { value: `<${CHANNELS.join('|')}>`, effect: 'orders accepted by that channel, never forwarded', parse: (r) => ({ scope: oneOf('a channel', CHANNELS)(r) }) },
  'inventory.delay': {
    value: '<WH>:<ms>',
    effect: 'inventory publication from that warehouse delayed by ms',
    parse: (r) => {
      const { scope, n } = scopedNumber('a warehouse', WAREHOUSES, '<ms>', (n) => Number.isInteger(n) && n >= 0)(r);
      return { scope, ms: n };
    },
  },
  'erp.version': { value: '<v1|v2>', effect: 'ERP serves the vendor release', parse: (r) => ({ scope: oneOf('an ERP version', ['v1', 'v2'])(r) }) },
  'wms.tokenExpired': { value: '<WH>', effect: "that warehouse connector's token is expired: its stock updates stop", parse: (r) => ({ scope: oneOf('a warehouse', WAREHOUSES)(r) }) },
  'middleware.badUom': { value: '', effect: 'order lines get an unknown UoM (CS12X): dead-lettered', parse: none },
  'middleware.inventoryUom': { value: '', effect: 'inventory quantities converted as if the WMS counted cases of 12: the ERP posts 12 times the adjusted quantity', parse: none },
  'erp.rejectDecimal': { value: '', effect: 'ERP refuses decimal quantities (422)', parse: none },
  'middleware.wrongWarehouse': { value: '<WH>', effect: 'orders are mapped to that warehouse instead of the requested one', parse: (r) => ({ scope: oneOf('a warehouse', WAREHOUSES)(r) }) },
  'erp.duplicateOrders': { value: '', effect: 'every delivery creates two sales orders', parse: none },
  'wms.confirmationBacklog': { value: '', effect: 'ASNs never returned to the ERP', parse: none },
  'erp.negativeInventory': { value: '', effect: 'on-hand goes negative after an adjustment', parse: none },
  'notifications.webhooksStopped': { value: '', effect: 'notifications are sent, their webhooks are not', parse: none },
  'notifications.webhookSecretRotated': { value: '', effect: 'webhooks are signed with a rotated secret the subscriber does not have', parse: none },
  'http.errors': {
    value: '<service>:<rate 0..1>',
    effect: 'that share of requests to the service answer 500',
    parse: (r) => {
      const { scope, n } = scopedNumber('a service', HTTP_SERVICES, '<rate 0..1>', (n) => n >= 0 && n <= 1)(r);
      return { scope, rate: n };
    },
  },
  'http.rateLimit': { value: '<service>', effect: '429 with Retry-After', parse: (r) => ({ scope: oneOf('a service', HTTP_SERVICES)(r) }) },
  'http.slow': {
    value: '<service>:<ms>',
    effect: 'every response of the service delayed',
    parse: (r) => {
      const { scope, n } = scopedNumber('a service', HTTP_SERVICES, '<ms>', (n) => Number.isInteger(n) && n >= 0)(r);
      return { scope, ms: n };
    },
  },
  'tls.expiresInDays': {
    value: '<n>',
    effect: 'service certificates expire in n days (negative: already expired)',
    parse: (r) => {
      const n = Number(r);
      if (r === undefined || r === '' || !Number.isInteger(n)) throw new Error(`expects a whole number of days, got ${r === undefined ? 'no value' : `'${r}'`}`);
      return { days: n };
    },
  },
  ...EDI_FAULTS,
};

export function validFaultsText(): string {
  return Object.entries(FAULTS)
    .map(([name, d]) => `  ${name}${d.value ? `=${d.value}` : ''}  ${d.effect}`)
    .join('\n');
}

/** Parses and validates one fault; throws UsageError naming the fault and listing the valid ones. */
export function parseFault(name: string, value?: string): ActiveFault {
  const def = FAULTS[name];
  if (!def) throw new UsageError(`unknown fault '${name}'`, '--fault', `valid faults:\n${validFaultsText()}`);
  try {
    const parsed = def.parse(value === '' ? undefined : value);
    return { name, ...(value !== undefined && value !== '' ? { value } : {}), ...parsed };
  } catch (err) {
    throw new UsageError(`fault '${name}' ${(err as Error).message}`, '--fault', `valid faults:\n${validFaultsText()}`);
  }
}

/** "NAME" or "NAME=VALUE" as on the command line. */
export function parseFaultSpec(spec: string): ActiveFault {
  const eq = spec.indexOf('=');
  return eq < 0 ? parseFault(spec.trim()) : parseFault(spec.slice(0, eq).trim(), spec.slice(eq + 1).trim());
}

export type FaultListener = (name: string) => void;

export class FaultController {
  private readonly active = new Map<string, Map<string, ActiveFault>>();
  private readonly listeners: FaultListener[] = [];

  constructor(initial: Array<string | ActiveFault> = []) {
    for (const f of initial) this.add(typeof f === 'string' ? parseFaultSpec(f) : f);
  }

  /** Switches a fault on (or changes its value for that scope). Throws UsageError on a bad name or value. */
  set(name: string, value?: string): ActiveFault {
    const f = parseFault(name, value);
    this.add(f);
    return f;
  }

  /** Switches a fault off (every scope), or every fault when no name is given. */
  clear(name?: string): void {
    if (name === undefined) {
      const names = [...this.active.keys()];
      this.active.clear();
      for (const n of names) this.emit(n);
      return;
    }
    if (!FAULTS[name]) parseFault(name);
    if (this.active.delete(name)) this.emit(name);
  }

  list(): ActiveFault[] {
    return [...this.active.values()].flatMap((m) => [...m.values()]);
  }

  /** The active fault of that name, for that scope when given. */
  get(name: string, scope?: string): ActiveFault | undefined {
    const m = this.active.get(name);
    if (!m) return undefined;
    if (scope === undefined) return m.values().next().value;
    return m.get(scope);
  }

  has(name: string, scope?: string): boolean {
    return this.get(name, scope) !== undefined;
  }

  onChange(listener: FaultListener): void {
    this.listeners.push(listener);
  }

  private add(f: ActiveFault): void {
    let m = this.active.get(f.name);
    if (!m) this.active.set(f.name, (m = new Map()));
    // Unscoped faults and erp.version hold one value.
    if (f.scope === undefined || f.name === 'erp.version') m.clear();
    m.set(f.scope ?? '', f);
    this.emit(f.name);
  }

  private emit(name: string): void {
    for (const l of this.listeners) l(name);
  }
}

