import type { Dashboard } from './grafana.ts';
import { orderSync } from './order-sync.ts';
import { inventorySync } from './inventory-sync.ts';
import { contracts } from './contracts.ts';
import { certificates } from './certificates.ts';
import { reconciliation } from './reconciliation.ts';
import { probeHealth } from './probe-health.ts';
import { executive } from './executive.ts';

export interface GeneratedDashboard {
  /** File name under dashboards/grafana/. */
  file: string;
  dashboard: Dashboard;
}

export function buildDashboards(): GeneratedDashboard[] {
  return [
    { file: 'executive.json', dashboard: executive() },
    { file: 'order-sync.json', dashboard: orderSync() },
    { file: 'inventory-sync.json', dashboard: inventorySync() },
    { file: 'contracts.json', dashboard: contracts() },
    { file: 'certificates.json', dashboard: certificates() },
    { file: 'reconciliation.json', dashboard: reconciliation() },
    { file: 'probe-health.json', dashboard: probeHealth() },
  ];
}

/** The exact bytes committed under dashboards/grafana/. */
export function render(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
