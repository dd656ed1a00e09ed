import { existsSync, readFileSync } from 'node:fs';
import type { ProbeDefinition } from './probe.ts';
import { isWriteProbe } from './probe.ts';

/**
 * Kill switch: when on, write probes (synthetic orders, stock adjustments) are not started from the
 * next tick on; read-only checks go on. Re-read on every tick, so `touch` on the file (or setting the
 * variable for an in-process daemon) takes effect without a restart.
 */
export interface KillSwitchConfig {
  /** Its existence turns the switch on; its first line is shown as the reason. */
  file?: string;
  /** Environment variable; `1`, `true`, `on`, `yes` turn the switch on. */
  env?: string;
}

export interface KillSwitchState {
  on: boolean;
  reason?: string;
}

export function readKillSwitch(c: KillSwitchConfig, env: NodeJS.ProcessEnv = process.env): KillSwitchState {
  if (c.env) {
    const v = (env[c.env] ?? '').trim().toLowerCase();
    if (['1', 'true', 'on', 'yes'].includes(v)) return { on: true, reason: `${c.env}=${env[c.env]}` };
  }
  if (c.file && existsSync(c.file)) {
    let first = '';
    try {
      first = readFileSync(c.file, 'utf8').split('\n')[0]!.trim().slice(0, 200);
    } catch {
      /* present but unreadable: still on */
    }
    return { on: true, reason: `kill switch file ${c.file}${first ? `: ${first}` : ''}` };
  }
  return { on: false };
}

/** A maintenance window: no probe that touches the named systems (or runs in the environment) starts inside it. */
export interface MaintenanceWindow {
  start: string | Date;
  end: string | Date;
  environment?: string;
  /** Probes whose `systems` intersect these are held; omitted = every probe of the environment. */
  systems?: string[];
  reason?: string;
}

export function inMaintenance(p: Pick<ProbeDefinition, 'environment' | 'systems'>, windows: MaintenanceWindow[], now: number): MaintenanceWindow | undefined {
  return windows.find((w) => {
    if (now < new Date(w.start).getTime() || now >= new Date(w.end).getTime()) return false;
    if (w.environment && w.environment !== p.environment) return false;
    if (w.systems && w.systems.length) return (p.systems ?? []).some((s) => w.systems!.includes(s));
    return true;
  });
}

export type SkipReason = 'overlap' | 'kill_switch' | 'maintenance' | 'duplicate' | 'stopping';

/** Pure gate run on each tick before a probe starts; `running` = a previous run of it is still going. */
export function gate(
  p: ProbeDefinition,
  s: { running: boolean; killSwitch: KillSwitchState; windows: MaintenanceWindow[]; now: number; stopping: boolean; alreadyRan: boolean },
): { run: true } | { run: false; reason: SkipReason; detail: string } {
  if (s.stopping) return { run: false, reason: 'stopping', detail: 'the daemon is shutting down' };
  if (s.killSwitch.on && isWriteProbe(p)) return { run: false, reason: 'kill_switch', detail: s.killSwitch.reason ?? 'kill switch on' };
  const w = inMaintenance(p, s.windows, s.now);
  if (w) return { run: false, reason: 'maintenance', detail: w.reason ?? `maintenance until ${new Date(w.end).toISOString()}` };
  if (s.running) return { run: false, reason: 'overlap', detail: 'the previous run of this probe is still going' };
  if (s.alreadyRan) return { run: false, reason: 'duplicate', detail: 'this slot already ran (idempotency ledger)' };
  return { run: true };
}
