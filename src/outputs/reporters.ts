import type { Reporter, RunInfo } from '../core/outputs.ts';
import type { MilestoneResult, RunResult, ScenarioResult } from '../core/result.ts';
import { OutputErrorLog, guarded } from './report-error.ts';

type Hook = 'onRunStart' | 'onScenarioStart' | 'onMilestone' | 'onScenarioEnd' | 'onRunEnd';

/**
 * All reporters behind one Reporter. Each hook call to each reporter is isolated: a throw, a
 * rejection or a hang past hookTimeoutMs (default 30 s) is reported once and the others still
 * run. Each reporter gets its own copy of the result, so one that mutates it cannot change what
 * the others write.
 */
export class ReporterMultiplexer implements Reporter {
  readonly name = 'reporters';

  constructor(
    readonly reporters: Reporter[],
    private readonly options: { log?: OutputErrorLog; hookTimeoutMs?: number } = {},
  ) {}

  private get log(): OutputErrorLog {
    return (this.options.log ??= new OutputErrorLog());
  }

  private async call(hook: Hook, args: unknown[]): Promise<void> {
    await Promise.all(
      this.reporters.map((r) => {
        const fn = r[hook] as ((...a: unknown[]) => unknown) | undefined;
        if (typeof fn !== 'function') return;
        return guarded(this.log, r.name, hook, () => fn.apply(r, copy(args)), this.options.hookTimeoutMs ?? 30_000);
      }),
    );
  }

  onRunStart(info: RunInfo): Promise<void> {
    return this.call('onRunStart', [info]);
  }
  onScenarioStart(scenario: { name: string; correlationId: string; tags: ScenarioResult['tags'] }): Promise<void> {
    return this.call('onScenarioStart', [scenario]);
  }
  onMilestone(scenario: { name: string; correlationId: string }, milestone: MilestoneResult): Promise<void> {
    return this.call('onMilestone', [scenario, milestone]);
  }
  onScenarioEnd(result: ScenarioResult): Promise<void> {
    return this.call('onScenarioEnd', [result]);
  }
  async onRunEnd(result: RunResult): Promise<void> {
    await this.call('onRunEnd', [result]);
    this.log.summarize();
  }
}

/** A private copy for one reporter; something that cannot be copied is passed as it is rather than withheld. */
function copy(args: unknown[]): unknown[] {
  try {
    return structuredClone(args);
  } catch {
    try {
      return JSON.parse(JSON.stringify(args)) as unknown[];
    } catch {
      return args;
    }
  }
}
